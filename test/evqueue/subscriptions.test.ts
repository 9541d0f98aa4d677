import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { MemoryBus } from "../../src/bus/memory-bus.js";
import { evqueue } from "../../src/capabilities/evqueue/index.js";
import { evqOptions } from "../../src/config/evqueue-options.js";
import { applyOutbox } from "../../src/ops/apply-outbox.js";
import { OpTable } from "../../src/ops/op-table.js";
import type { Services } from "../../src/ops/services.js";
import { SessionRegistry } from "../../src/peers/sessions.js";
import { EvqGateway } from "../../src/protocols/evqueue/gateway.js";
import type { HandlerModule } from "../../src/sandbox/handler-module.js";
import { descriptor } from "../helpers/project.js";
import { nextReload, startProject, waitUntil } from "../helpers/runtime.js";
import { b64, EvqClient, subscribeFrame } from "./evq-client.js";
import { barrier, eventFrames, EVENTS_HANDLER, eventsProject, Raiser, sync } from "./evq-project.js";

// Subscriptions: which names are accepted, what a bad subscribe answers, upstream's unsubscribe rules, cleanup.

const JOBS = '<jobs action="list"/>';
const subscriptions = (t: { runtime: { evqueueStats(): { subscriptions: number }[] } }) => t.runtime.evqueueStats().reduce((n, e) => n + e.subscriptions, 0);

describe("evqueue subscriptions", () => {
  it("answers a KO carrying the external-id for an unknown type, bad base64, a bad api_cmd, past maxSubscriptions; the connection stays open", async () => {
    const t = await startProject(eventsProject({ maxSubscriptions: 2 }));
    const c = await EvqClient.ready(t.url("jobs"), "events");
    const unknown = await c.ask(subscribeFrame("NO_SUCH_EVENT", JOBS, { externalId: 11 }));
    expect(unknown.attributes).toEqual({
      node: expect.any(String),
      status: "KO",
      "error-code": "INVALID_PARAMETER",
      "external-id": "11",
      error: 'unknown event type "NO_SUCH_EVENT": subscribe to one of evQueue\'s standard events, a name of the descriptor\'s "evqueue.events", or one the handler registers with registerEvents()',
    });
    const notBase64 = await c.ask('<event action="subscribe" type="JOB_DONE" api_cmd="not base64!" external_id="12"/>');
    expect(notBase64.attributes).toMatchObject({ status: "KO", "error-code": "INVALID_PARAMETER", "external-id": "12", error: expect.stringMatching(/^api_cmd is not base64/) });
    const notXml = await c.ask(`<event action="subscribe" type="JOB_DONE" api_cmd="${b64("<jobs action=")}" external_id="13"/>`);
    expect(notXml.attributes).toMatchObject({ status: "KO", "external-id": "13", error: expect.stringMatching(/^api_cmd: not well-formed XML/) });
    const doctype = await c.ask(`<event action="subscribe" type="JOB_DONE" api_cmd="${b64('<!DOCTYPE x [<!ENTITY e "e">]><jobs/>')}" external_id="14"/>`);
    expect(doctype.attributes).toMatchObject({ status: "KO", "external-id": "14", error: "api_cmd: DOCTYPE and entity declarations are not accepted; send the element alone" });
    const proto = await c.ask(`<event action="subscribe" type="JOB_DONE" api_cmd="${b64('<jobs __proto__="x"/>')}" external_id="15"/>`);
    expect(proto.attributes).toMatchObject({ status: "KO", "error-code": "INVALID_PARAMETER", "external-id": "15", error: expect.stringMatching(/^api_cmd: the name "__proto__" cannot be read/) });
    const command = await c.ask('<jobs action="list"/>');
    expect(command.attributes).toMatchObject({ status: "KO", "error-code": "UNKNOWN_COMMAND", error: expect.stringContaining('an "events" connection takes <event') });
    c.send(subscribeFrame("JOB_DONE", JOBS, { externalId: 1 }));
    c.send(subscribeFrame("JOB_DONE", JOBS, { externalId: 1 })); // the same one again: still one
    c.send(subscribeFrame("JOB_DONE", JOBS, { externalId: 2 }));
    const full = await c.ask(subscribeFrame("JOB_DONE", JOBS, { externalId: 3 }));
    expect(full.attributes).toMatchObject({ status: "KO", "external-id": "3", error: expect.stringContaining("holds 2 subscriptions, the endpoint's evqueue.maxSubscriptions") });
    expect(subscriptions(t)).toBe(2);
    await c.close();
  });

  it("accepts evQueue's standard names (unless standardEvents is false), the descriptor's events and the handler's registered names until it reloads", async () => {
    const t = await startProject(eventsProject({ events: ["CUSTOM_X"] }));
    const c = await EvqClient.ready(t.url("jobs"), "events");
    for (const type of ["INSTANCE_STARTED", "CUSTOM_X", "JOB_DONE"]) c.send(subscribeFrame(type, JOBS));
    await sync(c);
    expect(c.frames.filter((f) => f.attributes["status"] === "KO" && f.attributes["error"] !== undefined && !f.attributes["error"].startsWith("unknown event action"))).toEqual([]);
    const reloaded = nextReload(t.runtime, (e) => e.file === "p/jobs.js");
    await t.project.write("p/jobs.js", EVENTS_HANDLER.replace('registerEvents(["JOB_DONE", "BARRIER"]);', ""));
    await reloaded;
    c.send(subscribeFrame("JOB_DONE", JOBS, { externalId: 5 }));
    const after = await c.waitFor((f) => f.attributes["external-id"] === "5");
    expect(after.attributes).toMatchObject({ status: "KO", "external-id": "5", error: expect.stringMatching(/^unknown event type "JOB_DONE"/) });
    await c.close();

    const strict = await startProject(eventsProject({ standardEvents: false }));
    const s = await EvqClient.ready(strict.url("jobs"), "events");
    expect((await s.ask(subscribeFrame("INSTANCE_STARTED", JOBS))).attributes).toMatchObject({ status: "KO", error: expect.stringMatching(/^unknown event type "INSTANCE_STARTED"/) });
    await s.close();
  });

  it("unsubscribes as upstream: type, object filter equal to object_id (0: only unfiltered), external id equal unless 0; unsubscribeall takes all", async () => {
    const t = await startProject(eventsProject({ throttling: false }));
    const raiser = await Raiser.open(t.url("jobs"));
    // [type, object filter, external id] of the four subscriptions every case starts with.
    const subs: [string, number, number][] = [["JOB_DONE", 0, 1], ["JOB_DONE", 5, 2], ["JOB_DONE", 5, 3], ["INSTANCE_STARTED", 0, 4]];
    const cases: [string, string[]][] = [
      ['<event action="unsubscribe" type="JOB_DONE"/>', ["2", "3", "4"]],
      ['<event action="unsubscribe" type="JOB_DONE" object_id="0" external_id="0"/>', ["2", "3", "4"]],
      ['<event action="unsubscribe" type="JOB_DONE" object_id="5" external_id="2"/>', ["1", "3", "4"]],
      ['<event action="unsubscribe" type="JOB_DONE" object_id="5"/>', ["1", "4"]],
      ['<event action="unsubscribe" type="JOB_DONE" external_id="2"/>', ["1", "2", "3", "4"]],
      ['<event action="unsubscribe" type="JOB_DONE" external_id="1"/>', ["2", "3", "4"]],
      ['<event action="unsubscribe" type="INSTANCE_STARTED" external_id="4"/>', ["1", "2", "3"]],
      ['<event action="unsubscribeall"/>', []],
    ];
    for (const [frame, left] of cases) {
      const c = await EvqClient.ready(t.url("jobs"), "events");
      for (const [type, objectId, externalId] of subs) c.send(subscribeFrame(type, JOBS, { objectId, externalId }));
      c.send(frame);
      await sync(c);
      await raiser.raise("JOB_DONE", 5);
      await raiser.raise("INSTANCE_STARTED", 5);
      await barrier(c, raiser);
      expect(eventFrames(c).map((f) => f.attributes["external-id"]).sort(), frame).toEqual(left);
      await c.close();
    }
    await raiser.close();
    await waitUntil(() => subscriptions(t) === 0, 5000, "no subscriptions");
  });

  it("drops an unsubscribed subscription's throttled events, and only its own", async () => {
    const t = await startProject(eventsProject());
    const raiser = await Raiser.open(t.url("jobs"));
    const c = await EvqClient.ready(t.url("jobs"), "events");
    c.send(subscribeFrame("JOB_DONE", JOBS, { externalId: 1 }));
    c.send(subscribeFrame("JOB_DONE", '<jobs action="list" tag="two"/>', { externalId: 2 }));
    await sync(c);
    await raiser.raise("JOB_DONE", 1, 2, 3);
    await waitUntil(() => eventFrames(c).length === 2, 5000, "one event each");
    c.send('<event action="unsubscribe" type="JOB_DONE" external_id="1"/>');
    for (const f of eventFrames(c)) c.send(`<event action="ack" event_id="${f.attributes["event-id"]}"/>`);
    await waitUntil(() => eventFrames(c).length === 3, 5000, "the merged event of the one left");
    await barrier(c, raiser);
    expect(eventFrames(c).map((f) => [f.attributes["external-id"], f.attributes["object-id"]])).toEqual([["1", "1"], ["2", "1"], ["2", "2,3"]]);
    await Promise.all([c.close(), raiser.close()]);
  });

  it("removes a connection's subscriptions when it closes, after 1,000 subscribe/close cycles too", async () => {
    const t = await startProject(eventsProject());
    const one = await EvqClient.ready(t.url("jobs"), "events");
    one.send(subscribeFrame("JOB_DONE", JOBS, { sendNow: true }));
    one.send(subscribeFrame("INSTANCE_STARTED", JOBS));
    await sync(one);
    expect(t.runtime.evqueueStats()).toEqual([
      { endpoint: "jobs", api: 0, events: 1, subscriptions: 2, byType: [{ type: "INSTANCE_STARTED", count: 1 }, { type: "JOB_DONE", count: 1 }], eventsSent: expect.any(Number), merged: 0, authFailures: 0 },
    ]);
    await one.close();
    await waitUntil(() => subscriptions(t) === 0, 5000, "the closed connection's subscriptions gone");
    for (let round = 0; round < 20; round++) {
      await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const c = await EvqClient.connect(t.url("jobs"), "events");
          c.send(subscribeFrame("JOB_DONE", JOBS, { sendNow: i % 2 === 0, externalId: i }));
          c.send(subscribeFrame("INSTANCE_STARTED", JOBS, { objectId: i }));
          if (i % 3 === 0) await sync(c);
          await c.close();
        }),
      );
    }
    await waitUntil(() => t.runtime.evqueueStats()[0]!.events === 0, 10_000, "every connection closed");
    expect(subscriptions(t)).toBe(0);
    expect(t.runtime.evqueueStats()[0]!.byType).toEqual([]);
  }, 30_000);

  it("bounds a connection's memory in characters: 1 Mi of api_cmd over its subscriptions (KO past it), 8 Mi of event frames held behind a slower one (closed 1013)", async () => {
    const handler = EVENTS_HANDLER.replace(
      'if (query.group === "jobs") {',
      [
        'if (query.group === "slow") return new Promise((r) => setTimeout(() => r({ name: "slow" }), 3000));',
        'if (query.group === "big") return { name: "big", text: "x".repeat(1024 * 1024) };',
        'if (query.group === "jobs") {',
      ].join("\n  "),
    );
    const t = await startProject(eventsProject({ throttling: false, events: ["SLOW", "BIG"] }, handler), { maxBufferedBytes: 64 * 1024 * 1024 });
    const c = await EvqClient.ready(t.url("jobs"), "events");
    const cmd = (i: number) => `<jobs action="list" tag="${i}" pad="${"p".repeat(65_000)}"/>`;
    for (let i = 0; i < 16; i++) c.send(subscribeFrame("JOB_DONE", cmd(i), { externalId: i }));
    const over = await c.ask(subscribeFrame("JOB_DONE", cmd(16), { externalId: 16 }));
    expect(over.attributes).toMatchObject({ status: "KO", "error-code": "INVALID_PARAMETER", "external-id": "16", error: expect.stringMatching(/^this connection's subscriptions hold 10\d{5} characters of api_cmd, and this one's 650\d\d would pass the 1048576 a connection may hold; unsubscribe some first$/) });
    // Unsubscribing gives the room back.
    c.send('<event action="unsubscribe" type="JOB_DONE" external_id="0"/>');
    c.send(subscribeFrame("JOB_DONE", '<big action="get"/>', { externalId: 20 }));
    c.send(subscribeFrame("SLOW", '<slow action="get"/>', { externalId: 21 }));
    c.send(subscribeFrame("BIG", '<big action="get"/>', { externalId: 22 }));
    await sync(c);
    expect(c.frames.filter((f) => f.attributes["status"] === "KO" && f.attributes["external-id"] !== undefined)).toHaveLength(1);

    // One slow event, then ten of 1 Mi characters each: they finish first and wait for it.
    const raiser = await Raiser.open(t.url("jobs"));
    await raiser.raise("SLOW", 0);
    await raiser.raise("BIG", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    expect(await c.closedWithin(2500)).toEqual({ code: 1013, reason: "too many event bytes waiting behind a slow one; reconnect" });
    expect(c.events()).toEqual([]);
    await t.logs.waitFor((l) => String(l.msg).includes("characters of event frames waiting behind a slower event (at most 8388608)"));
    await raiser.close();
  });

  it("forgets the names registered by code a sandbox restart replaced (no reload: the new code registers again)", async () => {
    const handler = `
      const { registerEvents } = require("net/v4/evqueue");
      exports.onApi = (query) => {
        if (query.group === "register") registerEvents(["LATE"]);
        if (query.group === "bomb") { const hoard = []; for (;;) hoard.push(new Array(100000).fill("x")); }
        return { name: "ok" };
      };`;
    const t = await startProject(
      { "p/jobs.js": handler, "p/jobs.websocket": descriptor("jobs", "p/jobs", { protocol: "evqueue", isolate: "own" }) },
      { memoryLimitMb: 32, cpuLimitMs: 10_000 },
    );
    const api = await EvqClient.ready(t.url("jobs"), "api");
    const c = await EvqClient.ready(t.url("jobs"), "events");
    expect((await api.ask('<register action="go"/>')).attributes["status"]).toBe("OK");
    c.send(subscribeFrame("LATE", JOBS, { externalId: 1 }));
    await sync(c);
    expect(c.frames.filter((f) => f.attributes["external-id"] === "1")).toEqual([]);
    expect((await api.ask('<bomb action="go"/>', 15_000)).attributes["error-code"]).toBe("HANDLER_UNAVAILABLE");
    await waitUntil(() => t.runtime.isolateStats().find((i) => i.name === "p/jobs.js" && i.restarts === 1 && i.state === "running"), 15_000, "the restart");
    // The new code serves (it answers) and has registered nothing.
    await waitUntil(async () => (await api.ask('<ping action="go"/>')).attributes["status"] === "OK", 10_000, "the new code to answer");
    c.send(subscribeFrame("LATE", JOBS, { externalId: 2 }));
    const refused = await c.waitFor((f) => f.attributes["external-id"] === "2");
    expect(refused.attributes).toMatchObject({ status: "KO", "external-id": "2", error: expect.stringMatching(/^unknown event type "LATE"/) });
    expect((await api.ask('<register action="go"/>')).attributes["status"]).toBe("OK");
    c.send(subscribeFrame("LATE", JOBS, { externalId: 3, sendNow: true }));
    expect(await c.waitFor((f) => f.attributes["external-id"] === "3")).toMatchObject({ attributes: { status: "OK", "external-id": "3" } });
    await Promise.all([api.close(), c.close()]);
  }, 30_000);

  it("drops registerEvents and createEvent posted by code that was replaced before they ran", async () => {
    const log = pino({ level: "silent" });
    const sessions = new SessionRegistry(1 << 20);
    const bus = new MemoryBus(() => undefined);
    const gateway = new EvqGateway({ sessions, bus, log, node: "n", authTimeoutMs: 1000 });
    const services = { sessions, bus, log, evqueue: gateway } as unknown as Services;
    const module = { project: "p", key: "p/jobs.js", contextGeneration: 1, currentContext: {}, logBudget: { take: () => true }, onRelease: () => () => undefined } as unknown as HandlerModule;
    const options = evqOptions({ standardEvents: false });
    const ops = new OpTable([evqueue]);
    const field = (text: string) => `${text.length}:${text}`;
    const post = (op: string, args: unknown) => "p" + field(op) + field(JSON.stringify(args));
    const published: unknown[] = [];
    bus.subscribe({ project: "p", kind: "evq", name: "OLD" }, (m) => published.push(m));
    let current = true;
    const caller = { isCurrent: () => current, isServing: () => current };
    applyOutbox(services, ops, module, post("evqueue.registerEvents", [["KEPT"]]), [], true, caller);
    current = false;
    applyOutbox(services, ops, module, post("evqueue.registerEvents", [["OLD"]]) + post("evqueue.createEvent", ["OLD", 5]), [], true, caller);
    expect(gateway.accepts(module, options, "KEPT")).toBe(true);
    expect(gateway.accepts(module, options, "OLD")).toBe(false);
    await new Promise((r) => setImmediate(r));
    expect(published).toEqual([]);
    gateway.close();
  });
});
