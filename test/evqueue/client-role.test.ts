import { afterEach, describe, expect, it } from "vitest";
import { EvqEngine } from "../helpers/evqueue-engine.js";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil } from "../helpers/runtime.js";
import { startDriver, statesBecome } from "./cluster-driver.js";

// net/v4/evqueue's createCluster against the frame-level engine stand-in: API, subscriptions, events and acks.

let engines: EvqEngine[] = [];
afterEach(async () => {
  await Promise.all(engines.map((e) => e.stop()));
  engines = [];
});

async function engine(options: Parameters<typeof EvqEngine.start>[0] = {}): Promise<EvqEngine> {
  const e = await EvqEngine.start(options);
  engines.push(e);
  return e;
}

const allow = (...es: EvqEngine[]) => ({ outboundHosts: es.map((e) => `127.0.0.1:${e.port}`) });

describe("createCluster: API", () => {
  it("resolves API() with the response root as a Node, and rejects a KO answer with an ApiError carrying code and node", async () => {
    const e = await engine({
      node: "n1",
      modules: { notifications: "3.3" },
      api: (q) => {
        if (q.attributes["action"] === "fail") throw Object.assign(new Error("no such instance"), { code: "INVALID_PARAMETER" });
        return [{ name: "instance", attributes: { id: 7, name: q.attributes["name"] ?? "" }, children: q.children.map((c) => ({ name: "echo", attributes: c.attributes })) }];
      },
    });
    const d = await startDriver([e.url], {}, allow(e));
    const ok = await d.ask("API", { group: "instance", action: "launch", attributes: { name: "backup <x>" }, parameters: { target: "/srv" } });
    expect(ok).toEqual({
      ok: true,
      value: {
        name: "response",
        attributes: { status: "OK", node: "n1" },
        children: [{ name: "instance", attributes: { id: "7", name: "backup <x>" }, children: [{ name: "echo", attributes: { name: "target", value: "/srv" }, children: [], text: "" }], text: "" }],
        text: "",
      },
    });
    const sent = e.received.filter((r) => r.mode === "api").at(-1)!.frame;
    expect(sent).toMatchObject({ name: "instance", attributes: { action: "launch", name: "backup <x>" } });

    const ko = await d.ask("API", { group: "instance", action: "fail" });
    expect(ko).toEqual({ ok: false, error: expect.objectContaining({ name: "ApiError", code: "INVALID_PARAMETER", message: "no such instance", node: "n1" }) });

    // required_modules: sent only to a node that has them; others answer undefined.
    expect(await d.ask("API", { group: "notifications", action: "list", required_modules: ["notifications"] })).toMatchObject({ ok: true, value: { name: "response" } });
    const before = e.received.length;
    expect(await d.ask("API", { group: "alerts", action: "list", required_modules: ["alerts"] })).toEqual({ ok: true, value: "(undefined)" });
    expect(e.received.length).toBe(before);

    expect(await d.ask("GetNodes")).toEqual({ ok: true, value: ["n1"] });
    expect(await d.ask("GetVersions")).toEqual({ ok: true, value: ["3.3"] });
    expect(await d.ask("GetStates")).toEqual({ ok: true, value: ["READY"] });
    // A bad command is a TypeError naming the field.
    expect(await d.ask("API", { group: "bad name", action: "x" })).toMatchObject({ ok: false, error: { name: "TypeError", message: expect.stringContaining("API(cmd): cmd.group") } });
    // The state hook heard the node come up.
    expect(d.logged("STATE")).toContainEqual({ node: "n1", url: `${e.url}/`, state: "READY", lastError: null, message: "" });
  });

  it('answers node "*" with one Node per node up, and a node name with that node only', async () => {
    const api = (name: string) => () => [{ name: "who", attributes: { me: name } }];
    const e1 = await engine({ node: "n1", api: api("n1") });
    const e2 = await engine({ node: "n2", api: api("n2") });
    const d = await startDriver([e1.url, e2.url], {}, allow(e1, e2));
    const all = await d.ask("API", { group: "status", action: "query", node: "*" });
    expect(all.ok).toBe(true);
    expect((all.value as { attributes: { node: string } }[]).map((n) => n.attributes.node)).toEqual(["n1", "n2"]);
    const named = await d.ask("API", { group: "status", action: "query", node: "n2" });
    expect(named).toMatchObject({ ok: true, value: { attributes: { node: "n2" }, children: [{ attributes: { me: "n2" } }] } });
    expect(await d.ask("API", { group: "status", action: "query", node: "n9" })).toMatchObject({ ok: false, error: { name: "TypeError", message: expect.stringContaining('no node of this cluster is named "n9"') } });
  });
});

describe('createCluster: node "*" when some nodes fail', () => {
  it("resolves with the answers of the nodes that answered (each naming its node), logs the others, and rejects only when none answered", async () => {
    const api = (name: string) => (q: { attributes: Readonly<Record<string, string>> }) => {
      if (q.attributes["action"] === "fail" || (name === "n2" && q.attributes["action"] === "query")) throw Object.assign(new Error(`${name} says no`), { code: "INVALID_PARAMETER" });
      return [{ name: "who", attributes: { me: name } }];
    };
    const e1 = await engine({ node: "n1", api: api("n1") });
    const e2 = await engine({ node: "n2", api: api("n2") });
    const e3 = await engine({ node: "n3", api: api("n3"), dropOn: (q) => q.attributes["action"] === "query" });
    const d = await startDriver([e1.url, e2.url, e3.url], {}, allow(e1, e2, e3));
    await statesBecome(d, "READY");
    // n2 answers KO and n3 drops: n1's answer alone.
    const some = await d.ask("API", { group: "status", action: "query", node: "*" });
    expect(some).toMatchObject({ ok: true, value: [{ name: "response", attributes: { node: "n1", status: "OK" }, children: [{ attributes: { me: "n1" } }] }] });
    expect((some.value as unknown[]).length).toBe(1);
    const missed = d.t.logs.lines.filter((l) => /did not answer a call to every node/.test(l.msg)).map((l) => l.msg);
    expect(missed).toHaveLength(2);
    expect(missed[0]).toContain("node n2 ");
    expect(missed[0]).toContain("ApiError INVALID_PARAMETER: n2 says no");
    expect(missed[1]).toContain("node n3 ");
    expect(missed[1]).toContain("ConnectionError CONNECTION");

    // Every node up answers KO: the first node's ApiError, naming each failure.
    const none = await d.ask("API", { group: "status", action: "fail", node: "*" });
    expect(none).toMatchObject({ ok: false, error: { name: "ApiError", code: "INVALID_PARAMETER", node: "n1" } });
    expect(none.error!.message).toMatch(/^no node answered: n1: ApiError INVALID_PARAMETER: n1 says no; n2: ApiError INVALID_PARAMETER: n2 says no/);
  });
});

describe("createCluster: events", () => {
  it("subscribes (send_now), hands each event to onEvqueueEvent with its info, acks it after the hook, and unsubscribes", async () => {
    const e = await engine({ node: "n1", api: (q) => [{ name: "list", attributes: { of: q.name } }] });
    const d = await startDriver([e.url], {}, allow(e));
    expect(await d.ask("Subscribe", "INSTANCE_TERMINATED", { group: "instances", action: "list" }, true, 0, 7)).toEqual({ ok: true, value: "(undefined)" });
    const sub = e.received.find((r) => r.mode === "events" && r.frame.attributes["action"] === "subscribe")!.frame;
    expect(sub.attributes).toMatchObject({ type: "INSTANCE_TERMINATED", send_now: "yes", external_id: "7" });
    expect(Buffer.from(sub.attributes["api_cmd"]!, "base64").toString()).toBe('<instances action="list"/>');

    // send_now: the answer at once, with an event id, acknowledged after the hook ran.
    await waitUntil(() => d.logged("EVENT").length === 1, 5000, "the send_now event");
    expect(d.logged("EVENT")[0]).toEqual({
      node: { name: "response", attributes: expect.objectContaining({ status: "OK", node: "n1", "external-id": "7", "event-id": "1" }), children: [{ name: "list", attributes: { of: "instances" }, children: [], text: "" }], text: "" },
      info: { node: "n1", externalId: 7, objectId: "0", eventId: 1, type: "INSTANCE_TERMINATED" },
    });
    const acks = () => e.received.filter((r) => r.frame.attributes["action"] === "ack").map((r) => r.frame.attributes["event_id"]);
    await waitUntil(() => acks().length === 1, 5000, "the ack");
    expect(acks()).toEqual(["1"]);

    // send_now false: nothing until the event happens.
    await d.ask("Subscribe", "INSTANCE_STARTED", { group: "instances", action: "list" }, false, 5);
    await waitUntil(() => e.subscriptions.length === 2, 5000, "the second subscription");
    expect(d.logged("EVENT")).toHaveLength(1);
    expect(e.raise("INSTANCE_STARTED", 5)).toBe(1);
    await waitUntil(() => d.logged("EVENT").length === 2 && acks().length === 2, 5000, "the raised event and its ack");
    expect(d.logged("EVENT")[1]!["info"]).toEqual({ node: "n1", externalId: 0, objectId: "5", eventId: 2, type: "INSTANCE_STARTED" });
    expect(acks()).toEqual(["1", "2"]);

    // Unsubscribe and UnsubscribeAll reach the engine with evQueue's filters.
    expect(await d.ask("Unsubscribe", "INSTANCE_STARTED", 0, 5)).toEqual({ ok: true, value: "(undefined)" });
    await waitUntil(() => e.subscriptions.length === 1, 5000, "the unsubscribe");
    expect(e.received.filter((r) => r.frame.attributes["action"] === "unsubscribe").map((r) => r.frame.attributes)).toEqual([{ action: "unsubscribe", type: "INSTANCE_STARTED", object_id: "5" }]);
    await d.ask("UnsubscribeAll");
    await waitUntil(() => e.subscriptions.length === 0, 5000, "unsubscribeall");
    expect(e.received.some((r) => r.frame.attributes["action"] === "unsubscribeall")).toBe(true);
  });
});

describe("createCluster: KO events", () => {
  it("hands a KO event to onEvqueueEvent with info.error and acknowledges it (a throttling node waits for that ack)", async () => {
    const e = await engine({
      node: "n1",
      api: (q) => {
        if (q.name === "broken") throw Object.assign(new Error("no such group"), { code: "UNKNOWN_COMMAND" });
        return [];
      },
    });
    const d = await startDriver([e.url], {}, allow(e));
    await d.ask("Subscribe", "INSTANCE_STARTED", { group: "broken", action: "list" }, false, 0, 4);
    await waitUntil(() => e.subscriptions.length === 1, 5000, "the subscription");
    const acks = () => e.received.filter((r) => r.frame.attributes["action"] === "ack").map((r) => r.frame.attributes["event_id"]);
    e.raise("INSTANCE_STARTED", 9);
    await waitUntil(() => acks().length === 1, 5000, "the KO event's ack");
    expect(acks()).toEqual(["1"]);
    expect(d.logged("EVENT")).toEqual([
      {
        node: { name: "response", attributes: expect.objectContaining({ status: "KO", "error-code": "UNKNOWN_COMMAND", error: "no such group", "event-id": "1" }), children: [], text: "" },
        info: { node: "n1", externalId: 4, objectId: "9", eventId: 1, type: "INSTANCE_STARTED", error: { code: "UNKNOWN_COMMAND", message: "no such group" } },
      },
    ]);
    expect(d.t.logs.lines.some((l) => /answered KO for a subscription \(external id 4, INSTANCE_STARTED\): UNKNOWN_COMMAND: no such group/.test(l.msg))).toBe(true);
  });
});

describe("createCluster: large answers", () => {
  it("reads an answer up to the client's own frame limit (8 MiB), past the server role's parse limit", async () => {
    const big = "x".repeat(5 * 1024 * 1024);
    const e = await engine({ node: "n1", api: () => [{ name: "log", text: big }] });
    const handler = `
      const cluster = require("net/v4/evqueue").createCluster(["${e.url}"]);
      exports.onMessage = async (m, c) => {
        try {
          const r = await cluster.API({ group: "logs", action: "list" });
          c.send("OK " + r.children[0].text.length);
        } catch (err) {
          c.send("FAILED " + err.name + " " + err.code + ": " + err.message);
        }
      };`;
    const t = await startProject({ "p/big.js": handler, "p/big.websocket": descriptor("big", "p/big") }, allow(e));
    const client = await TestClient.connect(t.url("big"));
    expect(String(await client.ask("go", 15_000))).toBe(`OK ${big.length}`);
  });
});
