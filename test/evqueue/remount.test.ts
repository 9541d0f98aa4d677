import { describe, expect, it } from "vitest";
import { descriptor } from "../helpers/project.js";
import { nextReload, startProject, waitUntil } from "../helpers/runtime.js";
import { EvqClient, subscribeFrame } from "./evq-client.js";
import { EVENTS_HANDLER } from "./evq-project.js";

// An edit of an endpoint's evqueue options reaches its open connections: they reconnect (1012) to get them.

describe("editing evqueue options", () => {
  it("closes the endpoint's connections with 1012 (and their subscriptions go), and not for another edit", async () => {
    const t = await startProject({ "p/jobs.js": EVENTS_HANDLER, "p/jobs.websocket": descriptor("jobs", "p/jobs", { protocol: "evqueue", evqueue: { throttling: true } }) });
    const api = await EvqClient.ready(t.url("jobs"), "api");
    const events = await EvqClient.ready(t.url("jobs"), "events");
    events.send(subscribeFrame("JOB_DONE", '<jobs action="list"/>'));
    await waitUntil(() => t.runtime.evqueueStats()[0]!.subscriptions === 1, 5000, "the subscription");
    let reloaded = nextReload(t.runtime, (e) => e.file === "p/jobs.websocket");
    await t.project.write("p/jobs.websocket", descriptor("jobs", "p/jobs", { protocol: "evqueue", evqueue: { throttling: true }, description: "edited" }));
    await reloaded;
    expect((await api.ask('<jobs action="list"/>')).attributes["status"]).toBe("OK");
    reloaded = nextReload(t.runtime, (e) => e.file === "p/jobs.websocket");
    await t.project.write("p/jobs.websocket", descriptor("jobs", "p/jobs", { protocol: "evqueue", evqueue: { throttling: false } }));
    await reloaded;
    const reason = "endpoint protocol options changed; reconnect";
    expect(await api.closedWithin()).toEqual({ code: 1012, reason });
    expect(await events.closedWithin()).toEqual({ code: 1012, reason });
    await waitUntil(() => t.runtime.evqueueStats()[0]?.subscriptions === 0, 5000, "no subscriptions");
  });
});
