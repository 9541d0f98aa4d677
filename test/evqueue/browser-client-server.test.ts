import { describe, expect, it } from "vitest";
import { startProject, waitUntil, type TestRuntime } from "../helpers/runtime.js";
import { evqTestBed } from "./browser-client-kit.js";
import { adminPassword, apiCalls, signedInProject } from "./signed-in-project.js";

// The evQueue client (aerostat/evqueue, with @xmldom/xmldom in Node) against one aerostat node's
// evqueue endpoint with sign-in on: throttling and acks, required_modules, UTF-8, KO answers.

const bed = evqTestBed();

type El = { getAttribute(n: string): string | null; getElementsByTagName(n: string): ArrayLike<El>; nodeName: string };
const root = (doc: unknown) => (doc as { documentElement: El }).documentElement;
const first = (doc: unknown, tag: string) => root(doc).getElementsByTagName(tag)[0]!;

/** A WebSocket class that keeps every frame the client sends. */
function recordingWebSocket() {
  const sent: string[] = [];
  class Recording extends WebSocket {
    override send(data: string): void {
      sent.push(data);
      super.send(data);
    }
  }
  return { WebSocket: Recording, sent };
}

async function node(evqueue: Record<string, unknown> = {}): Promise<TestRuntime> {
  return startProject(signedInProject(evqueue), adminPassword());
}

const stats = (t: TestRuntime) => t.runtime.evqueueStats()[0]!;

describe("the evQueue client against an aerostat node", () => {
  it("acks each event frame, so the node's throttling sends the nine events raised meanwhile as one, then the next", async () => {
    const t = await node();
    const rec = recordingWebSocket();
    const got: { objectId: string; eventId: number | null; jobs: string | null }[] = [];
    const events = bed.cluster([t.url("jobs")], (doc, info) => got.push({ objectId: info.objectId, eventId: info.eventId, jobs: first(doc, "job").getAttribute("objectId") }), null, {
      WebSocket: rec.WebSocket,
    });
    const api = bed.cluster([t.url("jobs")]);
    await events.Subscribe("JOB_DONE", { group: "jobs", action: "list" }, false, 0, 3);
    await waitUntil(() => stats(t).subscriptions === 1, 5000, "the subscription");

    await api.API({ group: "raise", action: "go", attributes: { type: "JOB_DONE", ids: "1,2,3,4,5,6,7,8,9,10" } });
    await waitUntil(() => got.length === 2, 5000, "two event frames");
    expect(got).toEqual([
      { objectId: "1", eventId: 1, jobs: "1" },
      { objectId: "2,3,4,5,6,7,8,9,10", eventId: 2, jobs: "2,3,4,5,6,7,8,9,10" },
    ]);
    expect(stats(t)).toMatchObject({ eventsSent: 2, merged: 9 });
    // The second frame was acked too: the next event goes at once.
    await api.API({ group: "raise", action: "go", attributes: { type: "JOB_DONE", ids: "11" } });
    await waitUntil(() => got.length === 3, 5000, "the event after the merged one");
    expect(got[2]).toEqual({ objectId: "11", eventId: 3, jobs: "11" });
    await waitUntil(() => rec.sent.filter((f) => f.includes('action="ack"')).length === 3, 5000, "the third ack");
    expect(rec.sent.filter((f) => f.includes('action="ack"'))).toEqual(['<event action="ack" event_id="1"/>', '<event action="ack" event_id="2"/>', '<event action="ack" event_id="3"/>']);
  });

  it("acks a KO event frame (its command failed) like any other, and hands it to the eventCallback", async () => {
    const t = await node();
    const got: { status: string | null; error: string | null; eventId: number | null }[] = [];
    const events = bed.cluster([t.url("jobs")], (doc, info) => got.push({ status: root(doc).getAttribute("status"), error: root(doc).getAttribute("error"), eventId: info.eventId }));
    const api = bed.cluster([t.url("jobs")]);
    await events.Subscribe("JOB_DONE", { group: "fail", action: "get", attributes: { id: 5 } }, true);
    await waitUntil(() => got.length === 1, 5000, "the send_now KO");
    await api.API({ group: "raise", action: "go", attributes: { type: "JOB_DONE", ids: "5" } });
    await waitUntil(() => got.length === 2, 5000, "the next KO event, sent once the first was acked");
    expect(got).toEqual([
      { status: "KO", error: "no job 5 for event 1", eventId: 1 },
      { status: "KO", error: "no job 5 for event 2", eventId: 2 },
    ]);
    expect(stats(t)).toMatchObject({ eventsSent: 2, merged: 0 });
  });

  it("unsubscribes on the node with evQueue's filters, and UnsubscribeAll leaves it none", async () => {
    const t = await node();
    const events = bed.cluster([t.url("jobs")], () => {});
    await events.Subscribe("JOB_DONE", { group: "jobs", action: "list" }, false, 0, 1);
    await events.Subscribe("JOB_DONE", { group: "jobs", action: "list" }, false, 5, 2);
    await events.Subscribe("INSTANCE_STARTED", { group: "jobs", action: "list" }, false, 0, 3);
    await waitUntil(() => stats(t).subscriptions === 3, 5000, "three subscriptions");
    // Object filter 0 removes only unfiltered ones: the one filtered on 5 stays.
    await events.Unsubscribe("JOB_DONE", 0);
    await waitUntil(() => stats(t).subscriptions === 2, 5000, "the unfiltered JOB_DONE gone");
    await events.Unsubscribe("JOB_DONE", 2, 5);
    await waitUntil(() => stats(t).subscriptions === 1, 5000, "the filtered one gone");
    await events.UnsubscribeAll();
    await waitUntil(() => stats(t).subscriptions === 0, 5000, "none left");
  });

  it("skips commands and subscriptions that need a module the descriptor's evqueue.modules lacks", async () => {
    const t = await node({ modules: { git: "2.1" } });
    const api = bed.cluster([t.url("jobs")]);
    const echoed = await api.API({ group: "echo", action: "get", required_modules: ["git"] });
    expect(root(echoed).getAttribute("status")).toBe("OK");
    expect(api.GetModules()).toEqual([[{ name: "git", version: "2.1" }]]);
    expect(await api.API({ group: "echo", action: "get", required_modules: ["git", "svn"] })).toBeUndefined();
    expect(apiCalls(t.logs.lines, "echo")).toBe(1);

    const rec = recordingWebSocket();
    const events = bed.cluster([t.url("jobs")], () => {}, null, { WebSocket: rec.WebSocket });
    await events.Subscribe("JOB_DONE", { group: "jobs", action: "list", required_modules: ["svn"] }, false, 0, 1);
    await events.Subscribe("JOB_DONE", { group: "jobs", action: "list", required_modules: ["git"] }, false, 0, 2);
    await waitUntil(() => stats(t).subscriptions === 1, 5000, "the subscription that needs git");
    expect(rec.sent.filter((f) => f.includes('action="subscribe"')).map((f) => /external_id="(\d+)"/.exec(f)?.[1])).toEqual(["2"]);
  });

  it("carries UTF-8 attribute and parameter values through API commands, api_cmd's base64 and onApi, both ways", async () => {
    const t = await node();
    const label = "日本語 ✓ <&\"'> 😀";
    const note = "ñandú\ttab\nline";
    const api = bed.cluster([t.url("jobs")]);
    const echo = first(await api.API({ group: "echo", action: "get", attributes: { label }, parameters: { note } }), "echo");
    expect(echo.getAttribute("label")).toBe(label);
    expect(echo.getElementsByTagName("parameter")[0]!.getAttribute("value")).toBe(note);

    const got: (string | null)[][] = [];
    const events = bed.cluster([t.url("jobs")], (doc) => {
      const job = first(doc, "job");
      got.push([job.getAttribute("label"), job.getAttribute("note")]);
    });
    await events.Subscribe("JOB_DONE", { group: "jobs", action: "list", attributes: { label }, parameters: { note } }, true, 0, 1);
    await waitUntil(() => got.length === 1, 5000, "the send_now event");
    expect(got[0]).toEqual([label, note]);
  });

  it("rejects an ApiError's KO answer with its message, code and the answer, and a refused password with Authentication error", async () => {
    const t = await node();
    const api = bed.cluster([t.url("jobs")]);
    const error = (await api.API({ group: "fail", action: "get", attributes: { id: 7 } }).catch((e: unknown) => e)) as Error & { code: string; response: unknown };
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe("no job 7");
    expect(error.code).toBe("INVALID_PARAMETER");
    expect(root(error.response).getAttribute("error-code")).toBe("INVALID_PARAMETER");
    await expect(api.API({ group: "nosuch", action: "get" })).rejects.toMatchObject({ code: "UNKNOWN_COMMAND", message: "no nosuch" });

    const wrong = bed.ws(t.url("jobs"), { credentials: { user: "admin", passwordSha1: "0".repeat(40) } });
    await expect(wrong.Connect()).rejects.toThrow("Authentication error");
    expect(wrong.GetLastError()).toBe("AUTHENTICATION");
    const refused = bed.cluster([t.url("jobs")], null, null, { credentials: { user: "admin", passwordSha1: "0".repeat(40) } });
    await expect(refused.API({ group: "jobs", action: "list" })).rejects.toMatchObject({ code: "AUTHENTICATION", message: "Authentication error" });
    // Once the node is known to refuse, a command says so too (not merely that no node is up).
    await expect(refused.API({ group: "jobs", action: "list" })).rejects.toMatchObject({ code: "AUTHENTICATION", message: expect.stringMatching(/^Authentication error/) });
    expect(stats(t).authFailures).toBe(2);
  });
});
