import { describe, expect, it } from "vitest";
import { freePort } from "../helpers/redis-server.js";
import { startProject, waitUntil, type TestRuntime } from "../helpers/runtime.js";
import { startDriver, statesBecome, type Driver } from "./cluster-driver.js";
import { adminPassword, signedInProject } from "./signed-in-project.js";

// net/v4/evqueue's createCluster (the client role) against aerostat's own evqueue endpoints
// (the server role), with sign-in on: on this same server, and on a second runtime.

const jobsPath = "/websockets/v4/service/jobs";

/**
 * Node A: the driver and an evqueue endpoint "jobs" on a port chosen first, so that its
 * connection "self" can name it; "evqb" and "evqbad" sign in to `other` (when given).
 */
async function nodeA(other?: TestRuntime): Promise<Driver> {
  const port = await freePort();
  const connections: Record<string, string> = { self: `ws://admin:secret@127.0.0.1:${port}${jobsPath}` };
  const init: Parameters<typeof startDriver>[2] = { port, connections, ...adminPassword() };
  if (other) {
    const b = new URL(other.url("jobs")).host;
    connections["evqb"] = `ws://admin:secret@${b}${jobsPath}`;
    connections["evqbad"] = `ws://admin:wrong@${b}${jobsPath}`;
    init.outboundHosts = [b];
  }
  return startDriver(null, {}, init, signedInProject());
}

const events = (d: Driver) => d.logged("EVENT") as { node: { attributes: Record<string, string>; children: { attributes: Record<string, string> }[] }; info: Record<string, unknown> }[];
const stats = (t: TestRuntime) => t.runtime.evqueueStats().find((s) => s.endpoint === "jobs")!;

describe("createCluster against aerostat evqueue endpoints", () => {
  it("signs in to an endpoint of its own server: API resolves to a Node, and each createEvent reaches onEvqueueEvent, acked so the next one comes", async () => {
    const d = await nodeA();
    expect(await d.ask("create", ["self"])).toEqual({ ok: true, value: "(undefined)" });
    await statesBecome(d, "READY");
    const answer = await d.ask("API", { group: "jobs", action: "list", attributes: { label: "a" } });
    expect(answer).toMatchObject({ ok: true, value: { name: "response", attributes: { status: "OK" }, children: [{ name: "job", attributes: { run: "1", label: "a", objectId: "" } }] } });
    const name = (answer.value as { attributes: { node: string } }).attributes.node;

    expect(await d.ask("Subscribe", "JOB_DONE", { group: "jobs", action: "list" }, false, 0, 4)).toEqual({ ok: true, value: "(undefined)" });
    await waitUntil(() => stats(d.t).subscriptions === 1, 5000, "the subscription");
    await d.ask("API", { group: "raise", action: "go", attributes: { type: "JOB_DONE", ids: "1" } });
    await waitUntil(() => events(d).length === 1, 5000, "the first event");
    // Raised once the first was delivered: under throttling it goes only after the client's ack.
    await d.ask("API", { group: "raise", action: "go", attributes: { type: "JOB_DONE", ids: "2" } });
    await waitUntil(() => events(d).length === 2, 5000, "the second event");
    expect(events(d).map((e) => e.info)).toEqual([
      { node: name, externalId: 4, objectId: "1", eventId: 1, type: "JOB_DONE" },
      { node: name, externalId: 4, objectId: "2", eventId: 2, type: "JOB_DONE" },
    ]);
    expect(events(d).map((e) => [e.node.attributes["status"], e.node.children[0]!.attributes["objectId"]])).toEqual([
      ["OK", "1"],
      ["OK", "2"],
    ]);
    expect(stats(d.t)).toMatchObject({ eventsSent: 2, authFailures: 0 });
  });

  it("signs in to a second runtime with a --connection's credentials; a wrong password leaves that node in ERROR (AUTHENTICATION) and rejects its calls", async () => {
    const b = await startProject(signedInProject(), adminPassword());
    const d = await nodeA(b);
    await d.ask("create", ["evqb"]);
    await statesBecome(d, "READY");
    expect(await d.ask("API", { group: "jobs", action: "list" })).toMatchObject({ ok: true, value: { attributes: { status: "OK" }, children: [{ name: "job" }] } });
    await d.ask("Subscribe", "JOB_DONE", { group: "jobs", action: "list" }, true, 0, 8);
    await waitUntil(() => events(d).length === 1, 5000, "the send_now event from the other runtime");
    await d.ask("API", { group: "raise", action: "go", attributes: { type: "JOB_DONE", ids: "31" } });
    await waitUntil(() => events(d).length === 2, 5000, "the event raised there");
    expect(events(d)[1]!.info).toMatchObject({ externalId: 8, objectId: "31", eventId: 2 });
    expect(stats(b)).toMatchObject({ subscriptions: 1, eventsSent: 2, authFailures: 0 });

    await d.ask("create", ["evqbad"]);
    await waitUntil(() => d.logged("STATE").some((s) => s["node"] === "evqbad" && s["state"] === "ERROR"), 5000, "the refused node in ERROR");
    expect(d.logged("STATE").filter((s) => s["node"] === "evqbad").at(-1)).toMatchObject({ state: "ERROR", lastError: "AUTHENTICATION", message: expect.stringContaining('refused the credentials of connection "evqbad"') });
    expect(await d.ask("API", { group: "jobs", action: "list" })).toMatchObject({ ok: false, error: { name: "AuthenticationError", code: "AUTHENTICATION" } });
    expect(stats(b).authFailures).toBe(1);
    expect(d.t.logs.lines.some((l) => JSON.stringify(l).includes("wrong"))).toBe(false);
  });

  it("hands an event whose command failed (a KO frame with an event-id) to onEvqueueEvent and acks it, so the subscription's next event comes; a refused subscription reaches the hook with info.error", async () => {
    const d = await nodeA();
    await d.ask("create", ["self"]);
    await d.ask("Subscribe", "JOB_DONE", { group: "fail", action: "get", attributes: { id: 5 } }, true, 0, 6);
    await waitUntil(() => events(d).length === 1, 5000, "the send_now event");
    await d.ask("API", { group: "raise", action: "go", attributes: { type: "JOB_DONE", ids: "5" } });
    await waitUntil(() => events(d).length === 2, 5000, "the next event");
    expect(events(d).map((e) => [e.node.attributes["status"], e.node.attributes["error"], e.info["eventId"]])).toEqual([
      ["KO", "no job 5 for event 1", 1],
      ["KO", "no job 5 for event 2", 2],
    ]);
    // A refused subscription reaches the hook with info.error, is logged, and the connection stays.
    await d.ask("Subscribe", "JOB_DONNE", { group: "jobs", action: "list" }, true, 0, 7);
    const line = await d.t.logs.waitFor((l) => String(l.msg).includes("answered KO for a subscription (external id 7") && String(l.msg).includes('INVALID_PARAMETER: unknown event type "JOB_DONNE"'));
    expect(line).toMatchObject({ level: 40, handler: "p/drive.js", mode: "events" });
    await waitUntil(() => events(d).length === 3, 5000, "the refusal in the hook");
    expect(events(d)[2]!.info).toMatchObject({ externalId: 7, error: { code: "INVALID_PARAMETER" } });
    await d.ask("Subscribe", "JOB_DONE", { group: "jobs", action: "list" }, true, 0, 8);
    await waitUntil(() => events(d).length === 4, 5000, "the next subscription's send_now event");
    expect(events(d)[3]!.info).toMatchObject({ externalId: 8, objectId: "0" });
  });
});
