import { createCluster } from "redis";
import type { LinkEvents, PublisherLink, SubscriberLink } from "./redis-links.js";
import { redisCommands } from "./redis-commands.js";

/**
 * The redis engine's links to a Redis Cluster (`--redis-cluster`): node-redis'
 * cluster client publishes with SPUBLISH and subscribes with SSUBSCRIBE on a
 * connection per shard, which it resubscribes itself. A project's channels
 * carry its `{project}` hash tag, so they live on one shard. The engine keeps
 * its own channel set and subscribes each again when a node connection is
 * ready after a drop (raising a gap).
 */
export function connectCluster(
  url: string,
  reconnectStrategy: (retries: number) => number | false,
  events: LinkEvents,
): { publisher: PublisherLink; subscriber: SubscriberLink } {
  const cluster = createCluster({
    rootNodes: [{ url }],
    defaults: { disableOfflineQueue: true, socket: { reconnectStrategy, connectTimeout: 3000 } },
  });
  const names = new Set<string>();
  const listener = (text: string, name: string) => events.message(name, text);
  let connected = false;
  let down = false;
  // Errors of the cluster and of each node connection: reported, never thrown.
  const failed = (error: Error) => {
    if (!connected) return events.down("publisher", error);
    down = true;
    events.down("publisher", error);
    events.down("subscriber", error);
  };
  cluster.on("error", failed);
  cluster.on("node-error", failed);
  cluster.on("node-ready", () => {
    if (!connected || !down) return;
    down = false;
    events.ready("publisher", true);
    // Make sure every channel is subscribed (SSUBSCRIBE of a held channel sends nothing), then report the gap.
    resubscribeAll().then(
      () => events.ready("subscriber", true),
      (error: unknown) => events.down("subscriber", error instanceof Error ? error : new Error(String(error))),
    );
  });
  // One SSUBSCRIBE per channel: channels of different projects live on different slots.
  const resubscribeAll = async () => {
    await Promise.all([...names].map((name) => cluster.sSubscribe(name, listener)));
  };
  const publisher: PublisherLink = {
    commands: redisCommands(cluster, true),
    get ready() {
      return cluster.isReady && !down;
    },
    start: async () => {
      await cluster.connect();
      connected = true;
    },
    close: async () => {
      if (cluster.isOpen) await cluster.close().catch(() => cluster.destroy());
    },
  };
  const subscriber: SubscriberLink = {
    start: resubscribeAll,
    get ready() {
      return cluster.isReady && !down;
    },
    add: (name) => {
      names.add(name);
      if (!connected || down) return Promise.resolve();
      return cluster.sSubscribe(name, listener).then(
        () => undefined,
        () => undefined,
      );
    },
    remove: (name) => {
      names.delete(name);
      if (connected && !down) cluster.sUnsubscribe(name, listener).catch(() => undefined);
    },
    close: () => Promise.resolve(),
  };
  return { publisher, subscriber };
}
