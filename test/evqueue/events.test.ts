import { describe, expect, it } from "vitest";
import { startProject, waitUntil } from "../helpers/runtime.js";
import { EvqClient, subscribeFrame } from "./evq-client.js";
import { barrier, eventFrames, EVENTS_HANDLER, eventsProject, jobsOf, Raiser, sync } from "./evq-project.js";

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

  it("runs 1,040 events at once past the node's 1,000 asks of a handler: the rest wait their turn, none is answered KO; a command meanwhile is refused at once", async () => {
    const handler = EVENTS_HANDLER.replace(
      'if (query.group === "jobs") {',
      'if (query.group === "slow") { await new Promise((r) => setTimeout(r, 500)); return { name: "slow", attributes: { tag: query.attributes.tag } }; }\n  if (query.group === "jobs") {',
    ).replace("exports.onApi = (query, session, event) => {", "exports.onApi = async (query, session, event) => {");
    const t = await startProject(eventsProject({}, handler));
    const raiser = await Raiser.open(t.url("jobs"));
    // 130 connections with 8 subscriptions each, of distinct commands: 8 runs at once per connection.
    const clients = await Promise.all(Array.from({ length: 130 }, () => EvqClient.ready(t.url("jobs"), "events")));
    await Promise.all(
      clients.map(async (c) => {
        for (let i = 0; i < 8; i++) c.send(subscribeFrame("JOB_DONE", `<slow action="get" tag="${i}"/>`, { externalId: i }));
        await sync(c);
      }),
    );
    await raiser.raise("JOB_DONE", 1);
    // Every run holds its place for 500 ms: once the node's 1,000 are taken, a client's command is refused, not queued.
    let refused = await raiser.client.ask('<jobs action="list"/>');
    for (let i = 0; i < 200 && refused.attributes["status"] === "OK"; i++) refused = await raiser.client.ask('<jobs action="list"/>');
    expect(refused.attributes).toMatchObject({ status: "KO", "error-code": "HANDLER_UNAVAILABLE", error: expect.stringContaining("1000 evQueue commands and events in flight") });
    await waitUntil(() => clients.every((c) => eventFrames(c).length === 8), 15_000, "8 events on each connection");
    const frames = clients.flatMap((c) => eventFrames(c));
    expect(frames.filter((f) => f.attributes["status"] !== "OK")).toEqual([]);
    expect(new Set(frames.map((f) => f.children[0]!.attributes["tag"]))).toEqual(new Set(["0", "1", "2", "3", "4", "5", "6", "7"]));
    // Once they are done, commands are answered again.
    expect((await raiser.client.ask('<jobs action="list"/>')).attributes["status"]).toBe("OK");
    await Promise.all([...clients.map((c) => c.close()), raiser.close()]);
  }, 30_000);
});
