import { describe, expect, it } from "vitest";
import { RedisServer } from "../helpers/redis-server.js";
import { startProject, waitUntil } from "../helpers/runtime.js";
import { EvqClient, subscribeFrame } from "./evq-client.js";
import { eventFrames, eventsProject, jobsOf, Raiser } from "./evq-project.js";

// createEvent fans out through the engine: every node re-runs the commands of its own subscribers.

describe("evQueue across two nodes on one Redis", () => {
  it("delivers an event raised by a script on node A to a subscriber on node B, with B's name in the frame", async () => {
    const redis = await RedisServer.start();
    const a = await startProject(eventsProject(), { engine: "redis", redisUrl: redis.url, nodeName: "n1" });
    const b = await startProject(eventsProject(), { engine: "redis", redisUrl: redis.url, nodeName: "n2" });
    await b.logs.waitFor((l) => l.msg === "engine redis: node n2, 2 peers seen");
    const raiser = await Raiser.open(a.url("jobs"));
    const c = await EvqClient.ready(b.url("jobs"), "events");
    try {
      expect(c.frames[0]!.attributes["node"]).toBe("n2");
      // send_now runs once the engine confirmed the channel, so the events raised after its frame reach node B.
      c.send(subscribeFrame("INSTANCE_TERMINATED", '<jobs action="list"/>', { sendNow: true, externalId: 5 }));
      const now = await c.waitFor((f) => f.attributes["event-id"] === "1");
      c.send('<event action="ack" event_id="1"/>');
      expect(now.attributes).toMatchObject({ node: "n2", "external-id": "5", "object-id": "0" });
      await raiser.raise("INSTANCE_TERMINATED", 12);
      const event = await waitUntil(() => eventFrames(c)[1], 5000, "the event from node A");
      expect(event.attributes).toMatchObject({ node: "n2", status: "OK", "external-id": "5", "object-id": "12", "event-id": "2" });
      expect(jobsOf(event)).toMatchObject({ type: "INSTANCE_TERMINATED", objectId: "12" });
      expect(a.runtime.evqueueStats()[0]).toMatchObject({ subscriptions: 0, eventsSent: 0 });
      expect(b.runtime.evqueueStats()[0]).toMatchObject({ subscriptions: 1, eventsSent: 2 });
    } finally {
      await c.close();
      await raiser.close();
      await a.runtime.close(500);
      await b.runtime.close(500);
      await redis.stop();
    }
  });

  it("after an engine gap, gives each subscription of the lost types one event with object-id 0, so its client refreshes", async () => {
    const redis = await RedisServer.start();
    const t = await startProject(eventsProject(), { engine: "redis", redisUrl: redis.url, nodeName: "n1" });
    const c = await EvqClient.ready(t.url("jobs"), "events");
    try {
      c.send(subscribeFrame("JOB_DONE", '<jobs action="list"/>', { externalId: 3, objectId: 7 }));
      await waitUntil(() => t.runtime.evqueueStats()[0]!.subscriptions === 1, 5000, "the subscription");
      // The engine's subscriber connection is dropped: it reconnects and resubscribes, raising a gap.
      await redis.cli("CLIENT", "KILL", "TYPE", "pubsub");
      const event = await c.waitFor((f) => f.attributes["event-id"] !== undefined, 10_000);
      expect(event.attributes).toMatchObject({ "external-id": "3", "object-id": "0" });
      const line = await t.logs.waitFor((l) => l.msg.startsWith("evQueue: events of 1 subscribed type(s) may have been lost"));
      expect(line.msg).toContain("(JOB_DONE); 1 subscription(s) get an event with object-id 0 so their clients refresh");
    } finally {
      await c.close();
      await t.runtime.close(500);
      await redis.stop();
    }
  });
});
