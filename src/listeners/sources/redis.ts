import { createClient } from "redis";
import { redactUrl } from "../../config/connections.js";
import type { RedisListenerSpec } from "../../config/listener-spec.js";
import { bodyText, reasonOf } from "../body-text.js";
import type { ListenerSource, SourceFactory, SourceState } from "../source.js";

/** Waits before the next reconnect attempt: 100 ms doubling to 5 s. */
const backoff = (retries: number) => Math.min(100 * 2 ** retries, 5000);

/**
 * A redis listener: a client of its own (a subscribed connection can do
 * nothing else) that SUBSCRIBEs the channels and PSUBSCRIBEs the patterns.
 * node-redis reconnects by itself; each time the connection is ready again
 * every channel and pattern is subscribed again (idempotent) and the listener
 * hears connected(true): messages published meanwhile are gone (Redis pub/sub
 * is at-most-once), so the handler gets a gap.
 */
export const redisSource: SourceFactory<RedisListenerSpec> = (spec, connection, hooks, log) => {
  let state: SourceState = "connecting";
  let everUp = false;
  let closed = false;
  const client = createClient({ url: connection.url, socket: { reconnectStrategy: backoff, connectTimeout: 3000 } });
  const where = `redis connection "${connection.name}" (${redactUrl(connection.url)})`;
  const down = (reason: string) => {
    if (closed || state === "down") return;
    state = "down";
    hooks.lost(`${where}: ${reason}`);
  };
  // One listener function per channel and pattern, kept: subscribing again with it is a no-op.
  const channelListeners = spec.channels.map((channel) => ({
    channel,
    listener: (message: Buffer, from: Buffer) => void hooks.deliver({ ...bodyText(message), channel: from.toString() }),
  }));
  const patternListeners = spec.patterns.map((pattern) => ({
    pattern,
    listener: (message: Buffer, from: Buffer) => void hooks.deliver({ ...bodyText(message), channel: from.toString(), pattern }),
  }));
  client.on("error", (error: unknown) => down(reasonOf(error)));
  client.on("ready", () => {
    if (closed) return;
    void (async () => {
      try {
        for (const c of channelListeners) await client.subscribe(c.channel, c.listener, true);
        for (const p of patternListeners) await client.pSubscribe(p.pattern, p.listener, true);
      } catch (error) {
        down(`subscribing failed: ${reasonOf(error)}`);
        return;
      }
      if (closed) return;
      const again = everUp;
      everUp = true;
      state = "up";
      hooks.connected(again);
    })();
  });
  const source: ListenerSource = {
    get state() {
      return closed ? "closed" : state;
    },
    start() {
      client.connect().catch((error: unknown) => {
        down(reasonOf(error));
        log.debug({ listener: spec.name }, "redis listener: first connection failed; node-redis goes on trying");
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      if (client.isReady) await client.close().catch(() => client.destroy());
      else if (client.isOpen) client.destroy();
    },
  };
  return source;
};
