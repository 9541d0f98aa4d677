import { describe, expect, it } from "vitest";
import type { EvqError } from "../../web/evqueue.js";
import { waitUntil } from "../helpers/runtime.js";
import { backoffRounds, countingWebSocket, evqTestBed } from "./browser-client-kit.js";

// evQueueWS and evQueueCluster in api mode, from Node, against the engine stand-in.

const bed = evqTestBed();

/** The root element of an answer (a Document from @xmldom/xmldom). */
const root = (doc: unknown) => (doc as { documentElement: { nodeName: string; getAttribute(n: string): string | null; getElementsByTagName(n: string): ArrayLike<{ getAttribute(n: string): string | null }> } }).documentElement;

describe("evQueueWS in api mode", () => {
  it("signs in and resolves API() with a Document whose root is <response status=OK node=…>", async () => {
    const engine = await bed.engine({ node: "e1", version: "3.3", modules: { git: "1.2" }, api: (q) => [{ name: "instance", attributes: { id: "1", group: q.name } }] });
    const node = bed.ws(engine.url);
    const doc = await node.API({ group: "instances", action: "list" });
    const r = root(doc);
    expect([r.nodeName, r.getAttribute("status"), r.getAttribute("node")]).toEqual(["response", "OK", "e1"]);
    expect(r.getElementsByTagName("instance")[0]?.getAttribute("group")).toBe("instances");
    expect(engine.received.at(-1)?.frame).toMatchObject({ name: "instances", attributes: { action: "list" } });
    expect([node.GetState(), node.GetNode(), node.GetVersion(), node.GetProfile()]).toEqual(["READY", "e1", "3.3", "ADMIN"]);
    expect(node.GetModules()).toEqual([{ name: "git", version: "1.2" }]);
  });

  it("rejects a KO answer with the error as message, error-code as code and the Document as response", async () => {
    const engine = await bed.engine({
      api: () => {
        throw Object.assign(new Error("no such instance"), { code: "INVALID_PARAMETER" });
      },
    });
    const node = bed.ws(engine.url);
    const error = (await node.API({ group: "instance", action: "get", attributes: { id: 9 } }).catch((e: unknown) => e)) as EvqError;
    expect(error).toBeInstanceOf(Error);
    expect([error.message, error.code]).toEqual(["no such instance", "INVALID_PARAMETER"]);
    expect(root(error.response).getAttribute("status")).toBe("KO");
  });

  it("keeps one command in flight: answers that take different times still match their commands", async () => {
    const engine = await bed.engine({
      api: (q) => [{ name: "n", attributes: { value: q.attributes["n"] ?? "" } }],
      // Later commands answer sooner: a client that pipelined would get them crossed.
      answerDelayMs: (q) => 40 - Number(q.attributes["n"] ?? 0) * 2,
    });
    const node = bed.ws(engine.url);
    const answers = await Promise.all(Array.from({ length: 15 }, (_, n) => node.API({ group: "echo", action: "get", attributes: { n } })));
    expect(answers.map((d: unknown) => root(d).getElementsByTagName("n")[0]?.getAttribute("value"))).toEqual(Array.from({ length: 15 }, (_, n) => String(n)));
  });

  it("answers with plain trees with format json", async () => {
    const engine = await bed.engine({ node: "e1", api: () => [{ name: "instance", attributes: { id: "3" }, text: "sleep" }] });
    const node = bed.ws<"json">(engine.url, { format: "json" });
    expect(await node.API({ group: "instances", action: "list" })).toEqual({
      name: "response",
      attributes: { status: "OK", node: "e1" },
      children: [{ name: "instance", attributes: { id: "3" }, children: [], text: "sleep" }],
      text: "",
    });
  });

  it("rejects Connect() with \"Authentication error\" on a wrong password, and does not reconnect", async () => {
    const engine = await bed.engine({ users: { admin: "another password" } });
    const counter = countingWebSocket();
    const node = bed.ws(engine.url, { WebSocket: counter.WebSocket });
    const error = (await node.Connect().catch((e: unknown) => e)) as EvqError;
    expect([error.message, error.code]).toEqual(["Authentication error", "AUTHENTICATION"]);
    expect([node.GetState(), node.GetLastError()]).toEqual(["ERROR", "AUTHENTICATION"]);
    await expect(node.API({ group: "instances", action: "list" })).rejects.toThrow(/^Authentication error/);
    await backoffRounds();
    expect(counter.opened(engine.url)).toBe(1);
    expect(node.GetState()).toBe("ERROR");
  });

  it("takes credentials from evQueueWS.credentials and from localStorage", async () => {
    const engine = await bed.engine({ users: { ops: "pw" } });
    const { sha1Hex } = await import("../helpers/evqueue-engine.js");
    const { evQueueWS } = await import("../../web/evqueue.js");
    evQueueWS.credentials = { user: "ops", passwordSha1: sha1Hex("pw") };
    await bed.ws(engine.url, { credentials: undefined }).Connect();
    evQueueWS.credentials = null;
    const store = new Map([["user", "ops"], ["password", sha1Hex("pw")]]);
    (globalThis as { localStorage?: unknown }).localStorage = { getItem: (k: string) => store.get(k) ?? null };
    try {
      await bed.ws(engine.url, { credentials: undefined }).Connect();
    } finally {
      delete (globalThis as { localStorage?: unknown }).localStorage;
    }
    expect(engine.received.filter((r) => r.frame.name === "auth").map((r) => r.frame.attributes["user"])).toEqual(["ops", "ops"]);
  });

  it("refuses Subscribe on an api connection and API on an events connection, saying what to do", async () => {
    const engine = await bed.engine();
    await expect(bed.ws(engine.url).Subscribe("INSTANCE_STARTED", { group: "instances", action: "list" })).rejects.toThrow(/needs an events connection/);
    await expect(bed.ws(engine.url, { mode: "events" }).API({ group: "instances", action: "list" })).rejects.toThrow(/needs an api connection/);
  });

  it("rejects a command whose answer is late with TIMEOUT and renews the connection, so the next command gets its own answer", async () => {
    const engine = await bed.engine({
      api: (q) => [{ name: "n", attributes: { value: q.attributes["n"] ?? "" } }],
      answerDelayMs: (q) => (q.attributes["n"] === "slow" ? 1000 : 0),
    });
    const node = bed.ws(engine.url, { apiTimeoutMs: 150 });
    const late = (await node.API({ group: "echo", action: "get", attributes: { n: "slow" } }).catch((e: unknown) => e)) as EvqError;
    expect([late.code, late.sent]).toEqual(["TIMEOUT", true]);
    expect(late.message).toMatch(/no answer within 150 ms before the answer came \(the command may have run\)/);
    await waitUntil(() => node.GetState() === "READY", 5000, "the renewed connection");
    const next = await node.API({ group: "echo", action: "get", attributes: { n: "fast" } });
    expect(root(next).getElementsByTagName("n")[0]?.getAttribute("value")).toBe("fast");
  });

  it("stops reconnecting after Close()", async () => {
    const engine = await bed.engine();
    const counter = countingWebSocket();
    const node = bed.ws(engine.url, { WebSocket: counter.WebSocket });
    await node.Connect();
    await engine.kill();
    // Closed while it waits for its next attempt.
    await waitUntil(() => counter.opened(engine.url) >= 3 && node.GetState() === "ERROR", 5000, "reconnect attempts while the engine is away");
    node.Close();
    const attempts = counter.opened(engine.url);
    expect(node.GetState()).toBe("DISCONNECTED");
    await engine.restart();
    await backoffRounds();
    expect(counter.opened(engine.url)).toBe(attempts);
    expect(engine.connections()).toHaveLength(0);
  });
});
