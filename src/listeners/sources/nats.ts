import { connect, type ConnectionOptions, type NatsConnection } from "@nats-io/transport-node";
import { redactUrl } from "../../config/connections.js";
import type { NatsListenerSpec } from "../../config/listener-spec.js";
import { bodyText, reasonOf } from "../body-text.js";
import type { ListenerSource, SourceFactory, SourceState } from "../source.js";

/** Waits before connecting again when a connection could not be made or was closed for good: 250 ms doubling to 5 s. */
const backoff = (attempt: number) => Math.min(250 * 2 ** attempt, 5000);

/**
 * What connect() takes for a connection URL: the server without its
 * credentials, and the user name and password (nats://user:pass@host), or
 * the token when the URL holds only a user part (nats://token@host). The NATS
 * client reads no credentials from a URL. Throws when a part holds a bad
 * %-escape; the message never shows the value.
 */
export function natsConnectOptions(url: string): Pick<ConnectionOptions, "servers" | "user" | "pass" | "token"> {
  const parsed = new URL(url);
  const decode = (part: string, value: string) => {
    try {
      return decodeURIComponent(value);
    } catch {
      throw new Error(`the URL's ${part} holds a "%" that starts no %-escape; write "%" as %25`);
    }
  };
  const servers = `${parsed.protocol}//${parsed.host}`;
  if (parsed.username === "" && parsed.password === "") return { servers };
  const user = decode("user name", parsed.username);
  if (parsed.password === "") return { servers, token: user };
  return { servers, user, pass: decode("password", parsed.password) };
}

/**
 * A nats listener: a connection of its own that subscribes the subjects (in a
 * queue group when the descriptor names one). The client reconnects by
 * itself; its status() stream says when it dropped (lost) and came back
 * (connected(true): core NATS is at-most-once, so the handler gets a gap).
 * A connection that closes for good, or cannot be made, is made again with
 * backoff.
 */
export const natsSource: SourceFactory<NatsListenerSpec> = (spec, connection, hooks, log) => {
  const server = natsConnectOptions(connection.url);
  let state: SourceState = "connecting";
  let everUp = false;
  let closed = false;
  let nc: NatsConnection | undefined;
  let timer: NodeJS.Timeout | undefined;
  let attempt = 0;
  const where = `nats connection "${connection.name}" (${redactUrl(connection.url)})`;
  const down = (reason: string) => {
    if (closed || state === "down") return;
    state = "down";
    hooks.lost(`${where}: ${reason}`);
  };
  const up = () => {
    if (closed) return;
    const again = everUp;
    everUp = true;
    state = "up";
    attempt = 0;
    hooks.connected(again);
  };

  const follow = async (conn: NatsConnection) => {
    for await (const s of conn.status()) {
      if (closed || nc !== conn) return;
      if (s.type === "disconnect") down("disconnected; reconnecting");
      else if (s.type === "reconnect") up();
      else if (s.type === "error") log.warn({ listener: spec.name, connection: connection.name }, `listener ${spec.name}: ${where} reported ${reasonOf(s.error)}`);
    }
  };

  const open = async () => {
    timer = undefined;
    let conn: NatsConnection;
    try {
      conn = await connect({ ...server, name: `aerostat listener ${spec.name}`, reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 500 });
    } catch (error) {
      down(reasonOf(error));
      retry();
      return;
    }
    if (closed) {
      await conn.close().catch(() => undefined);
      return;
    }
    nc = conn;
    for (const subject of spec.subjects) {
      conn.subscribe(subject, {
        ...(spec.queue !== undefined ? { queue: spec.queue } : {}),
        callback: (error, msg) => {
          if (error) {
            log.warn({ listener: spec.name, subject }, `listener ${spec.name}: subscription to ${subject} failed: ${reasonOf(error)}`);
            return;
          }
          void hooks.deliver({ ...bodyText(msg.data), subject: msg.subject });
        },
      });
    }
    void follow(conn).catch(() => undefined);
    void conn.closed().then((error) => {
      if (closed || nc !== conn) return;
      nc = undefined;
      down(error ? reasonOf(error) : "the connection closed");
      retry();
    });
    // The SUBSCRIBEs reach the server before the answer to this PING: the subjects are listened to from here on.
    try {
      await conn.flush();
    } catch (error) {
      down(reasonOf(error));
      return;
    }
    up();
  };

  const retry = () => {
    if (closed || timer) return;
    timer = setTimeout(() => void open(), backoff(attempt++));
  };

  return {
    get state() {
      return closed ? "closed" : state;
    },
    start() {
      void open();
    },
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      const conn = nc;
      nc = undefined;
      await conn?.close().catch(() => undefined);
    },
  };
};
