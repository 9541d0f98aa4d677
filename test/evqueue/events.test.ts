import { describe, expect, it } from "vitest";
import { startProject, waitUntil } from "../helpers/runtime.js";
import { EvqClient, subscribeFrame } from "./evq-client.js";
import { barrier, eventFrames, eventsProject, jobsOf, Raiser, sync } from "./evq-project.js";

// Events mode: a subscription's api_cmd re-runs through onApi for each matching event and goes to its client.

const JOBS = '<jobs action="list"/>';

describe("evqueue events", () => {
  it("send_now yes: one frame at once carrying external-id, object-id (the filter) and event-id; onApi learns the event", async () => {
    const t = await startProject(eventsProject());
    const c = await EvqClient.ready(t.url("jobs"), "events");
    c.send(subscribeFrame("INSTANCE_TERMINATED", JOBS, { sendNow: true, objectId: 5, externalId: 42 }));
    const frame = await c.next();
    expect(frame.attributes).toEqual({ node: expect.any(String), status: "OK", "external-id": "42", "object-id": "5", "event-id": "1" });
    expect(jobsOf(frame)).toEqual({ run: "1", mode: "events", type: "INSTANCE_TERMINATED", objectId: "5", externalId: "42", eventId: "1" });
    c.send(subscribeFrame("INSTANCE_STARTED", JOBS, { sendNow: true }));
    expect((await c.next()).attributes).toMatchObject({ "external-id": "0", "object-id": "0", "event-id": "2" });
    await c.close();
  });

  it("send_now no: nothing until createEvent; the object filter lets only its object through; external-id round-trips", async () => {
    const t = await startProject(eventsProject());
    const raiser = await Raiser.open(t.url("jobs"));
    const c = await EvqClient.ready(t.url("jobs"), "events");
    c.send(subscribeFrame("INSTANCE_TERMINATED", JOBS, { objectId: 5, externalId: 7 }));
    c.send(subscribeFrame("INSTANCE_STARTED", '<jobs action="list" tag="any"/>', { externalId: 8 }));
    await sync(c);
    await raiser.raise("INSTANCE_TERMINATED", 6);
    await raiser.raise("INSTANCE_TERMINATED", 5);
    const first = await c.waitFor((f) => f.attributes["event-id"] !== undefined);
    expect(first.attributes).toMatchObject({ "external-id": "7", "object-id": "5", "event-id": "1" });
    await raiser.raise("INSTANCE_STARTED", 9);
    const started = await c.waitFor((f) => f.attributes["external-id"] === "8");
    expect(jobsOf(started)).toMatchObject({ tag: "any", type: "INSTANCE_STARTED", objectId: "9", externalId: "8" });
    await barrier(c, raiser);
    expect(eventFrames(c).map((f) => [f.attributes["external-id"], f.attributes["object-id"]])).toEqual([["7", "5"], ["8", "9"]]);
    await Promise.all([c.close(), raiser.close()]);
  });

  it("throttles: 10 events without an ack send 1 frame; the ack sends exactly 1 more with the other ids merged, distinct, in order", async () => {
    const t = await startProject(eventsProject());
    const raiser = await Raiser.open(t.url("jobs"));
    const c = await EvqClient.ready(t.url("jobs"), "events");
    c.send(subscribeFrame("JOB_DONE", JOBS, { externalId: 1 }));
    await sync(c);
    await raiser.raise("JOB_DONE", 1, 2, 3, 3, 4, 5, 2, 6, 7, 8);
    const first = await c.waitFor((f) => f.attributes["event-id"] !== undefined);
    expect(first.attributes).toMatchObject({ "object-id": "1", "event-id": "1" });
    // Merged while unacked: nothing else may come, even after a barrier (a subscription of its own).
    await barrier(c, raiser);
    expect(eventFrames(c)).toHaveLength(1);
    c.send('<event action="ack" event_id="1"/>');
    const second = await waitUntil(() => eventFrames(c)[1], 5000, "the merged event");
    expect(second.attributes).toMatchObject({ "object-id": "2,3,4,5,6,7,8" });
    expect(jobsOf(second)).toMatchObject({ objectId: "2,3,4,5,6,7,8", eventId: second.attributes["event-id"] });
    // Acked with nothing waiting: no frame; the next event goes at once.
    c.send(`<event action="ack" event_id="${second.attributes["event-id"]}"/>`);
    await barrier(c, raiser);
    expect(eventFrames(c)).toHaveLength(2);
    await raiser.raise("JOB_DONE", 9);
    expect((await waitUntil(() => eventFrames(c)[2], 5000, "a third event")).attributes["object-id"]).toBe("9");
    expect(t.runtime.evqueueStats()[0]).toMatchObject({ endpoint: "jobs", merged: 9 }); // 9 events went in another one's frame
    await Promise.all([c.close(), raiser.close()]);
  });

  it("a send_now frame carries an event-id that must be acked, like any event, before the next goes", async () => {
    const t = await startProject(eventsProject());
    const raiser = await Raiser.open(t.url("jobs"));
    const c = await EvqClient.ready(t.url("jobs"), "events");
    c.send(subscribeFrame("JOB_DONE", JOBS, { sendNow: true, externalId: 3 }));
    const now = await c.next();
    await raiser.raise("JOB_DONE", 4);
    await barrier(c, raiser);
    expect(eventFrames(c)).toEqual([now]);
    c.send(`<event action="ack" event_id="${now.attributes["event-id"]}"/>`);
    expect((await waitUntil(() => eventFrames(c)[1], 5000, "the held event")).attributes["object-id"]).toBe("4");
    await Promise.all([c.close(), raiser.close()]);
  });

  it("without throttling sends every event, in order, with increasing event ids", async () => {
    const t = await startProject(eventsProject({ throttling: false }));
    const raiser = await Raiser.open(t.url("jobs"));
    const c = await EvqClient.ready(t.url("jobs"), "events");
    c.send(subscribeFrame("JOB_DONE", JOBS, { externalId: 1 }));
    await sync(c);
    await raiser.raise("JOB_DONE", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    await waitUntil(() => eventFrames(c).length >= 10, 5000, "10 events");
    await barrier(c, raiser);
    const frames = eventFrames(c);
    expect(frames.map((f) => f.attributes["object-id"])).toEqual(["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]);
    expect(frames.map((f) => Number(f.attributes["event-id"]))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await Promise.all([c.close(), raiser.close()]);
  });
});
