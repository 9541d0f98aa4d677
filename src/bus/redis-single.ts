import { createClient } from "redis";
import { redisCommands } from "./redis-commands.js";
import type { LinkEvents, PublisherLink, SubscriberLink } from "./redis-links.js";
import { RedisSubscriber } from "./redis-subscriber.js";

/**
 * The redis engine's two connections to one Redis server: the publisher (also
 * used for keys), with no offline queue so commands fail at once while it is
 * down, and the subscriber, its duplicate (redis-subscriber.ts).
 */
export function connectSingle(
  url: string,
  reconnectStrategy: (retries: number) => number | false,
  events: LinkEvents,
  pingMs: number,
  pingTimeoutMs: number,
): { publisher: PublisherLink; subscriber: SubscriberLink } {
  const client = createClient({ url, disableOfflineQueue: true, socket: { reconnectStrategy, connectTimeout: 3000 } });
  let everReady = false;
  client.on("error", (error: Error) => events.down("publisher", error));
  client.on("ready", () => {
    events.ready("publisher", everReady);
    everReady = true;
  });
  const publisher: PublisherLink = {
    commands: redisCommands(client, false),
    get ready() {
      return client.isReady;
    },
    start: async () => void (await client.connect()),
    close: async () => {
      if (client.isReady) await client.close().catch(() => client.destroy());
      else if (client.isOpen) client.destroy();
    },
  };
  const subscriber = new RedisSubscriber(
    () => client.duplicate(),
    {
      message: (name, text) => events.message(name, text),
      ready: (again) => events.ready("subscriber", again),
      down: (error) => events.down("subscriber", error),
    },
    pingMs,
    pingTimeoutMs,
  );
  return { publisher, subscriber };
}
