import { afterEach, describe, expect, it } from "vitest";
import { EvqEngine, sha1Hex } from "../helpers/evqueue-engine.js";
import { descriptor } from "../helpers/project.js";
import { waitUntil } from "../helpers/runtime.js";
import { startDriver, statesBecome } from "./cluster-driver.js";

// Sign-in with the operator's connections, and what a script may not do with credentials or hosts.

let engines: EvqEngine[] = [];
afterEach(async () => {
  await Promise.all(engines.map((e) => e.stop()));
  engines = [];
});

async function engine(): Promise<EvqEngine> {
  const e = await EvqEngine.start({ node: "secure", users: { admin: "s3cret:pw" }, api: () => [{ name: "ok" }] });
  engines.push(e);
  return e;
}

const authFrames = (e: EvqEngine) => e.received.filter((r) => r.frame.name === "auth");

describe("createCluster: sign-in", () => {
  it("signs in with a named connection's user and password (or its SHA1) and reaches READY", async () => {
    const e = await engine();
    const password = encodeURIComponent("s3cret:pw");
    const d = await startDriver(["evq", "evqsha"], {}, {
      outboundHosts: [`127.0.0.1:${e.port}`],
      connections: { evq: `ws://admin:${password}@127.0.0.1:${e.port}/?token=hidden-tok`, evqsha: `ws://admin:sha1:${sha1Hex("s3cret:pw")}@127.0.0.1:${e.port}/x` },
    });
    await statesBecome(d, "READY");
    expect(await d.ask("API", { group: "ping", action: "ping", node: "evq" })).toMatchObject({ ok: true, value: { attributes: { node: "secure", status: "OK" } } });
    expect(authFrames(e).map((r) => r.frame.attributes["user"])).toEqual(["admin", "admin"]);
    // Neither the password nor a secret of the URL reaches the log or the script.
    expect(d.t.logs.lines.some((l) => /s3cret|hidden-tok/.test(JSON.stringify(l)))).toBe(false);
    expect(d.logged("STATE").find((s) => s["node"] === "secure" && s["url"] !== `ws://127.0.0.1:${e.port}/x`)).toMatchObject({ url: `ws://127.0.0.1:${e.port}/?token=***` });
  });

  it("puts a node whose credentials are refused in ERROR (AUTHENTICATION), rejects its calls, and does not retry in a loop", async () => {
    const e = await engine();
    const d = await startDriver(["bad"], {}, { outboundHosts: [`127.0.0.1:${e.port}`], connections: { bad: `ws://admin:wrong@127.0.0.1:${e.port}` } });
    await waitUntil(() => d.logged("STATE").some((s) => s["state"] === "ERROR"), 5000, "the ERROR state");
    expect(d.logged("STATE").at(-1)).toMatchObject({ node: "bad", state: "ERROR", lastError: "AUTHENTICATION", message: expect.stringContaining('refused the credentials of connection "bad"') });
    const answer = await d.ask("API", { group: "ping", action: "ping" });
    expect(answer).toMatchObject({ ok: false, error: { name: "AuthenticationError", code: "AUTHENTICATION" } });
    expect(await d.ask("Subscribe", "INSTANCE_STARTED", { group: "instances", action: "list" }, false)).toMatchObject({ ok: false, error: { code: "AUTHENTICATION" } });
    // One try per socket: no reconnect loop after a refusal (the next try is a minute away).
    expect(authFrames(e)).toHaveLength(2);
    expect(await d.ask("GetStates")).toEqual({ ok: true, value: ["ERROR"] });
    expect(authFrames(e)).toHaveLength(2);
    expect(d.t.logs.lines.some((l) => JSON.stringify(l).includes("wrong"))).toBe(false);
  });

  it("signs a URL node in with options.connection only when it is that connection's URL (its query aside)", async () => {
    const e = await engine();
    const init = { outboundHosts: [`127.0.0.1:${e.port}`, `localhost:${e.port}`], connections: { evq: `ws://admin:s3cret%3Apw@127.0.0.1:${e.port}/evq?token=t1` } };
    const d = await startDriver([`ws://127.0.0.1:${e.port}/evq?token=t2`], { connection: "evq" }, init);
    await statesBecome(d, "READY");
    expect(authFrames(e).map((r) => r.frame.attributes["user"])).toEqual(["admin"]);
    for (const other of [`ws://localhost:${e.port}/evq`, `ws://127.0.0.1:${e.port}/`, `ws://127.0.0.1:${e.port}/evq/more`, `wss://127.0.0.1:${e.port}/evq`]) {
      const refused = await d.ask("create", [other], { connection: "evq" });
      expect(refused, other).toMatchObject({ ok: false, error: { isTypeError: true } });
      expect(refused.error!.message).toContain(`is not the URL of options.connection "evq" (ws://127.0.0.1:${e.port}/evq?token=***)`);
      expect(refused.error!.message).toContain('give the connection name "evq" as the node instead');
      expect(refused.error!.message).not.toContain("s3cret");
    }
    expect(authFrames(e)).toHaveLength(1);
  });

  it("never sends options.connection's sign-in to another port of its host, such as an endpoint of this same server", async () => {
    const e = await engine();
    // A raw endpoint that asks for an evQueue sign-in with a challenge of its choosing, and logs what it gets.
    const fake = `
      exports.onOpen = (c) => c.send('<auth challenge="${"ab".repeat(20)}" node="x" status="OK"/>');
      exports.onMessage = (m) => console.log("FAKE GOT " + m);`;
    const d = await startDriver(null, {}, { outboundHosts: [`127.0.0.1:${e.port}`], connections: { evq: `ws://admin:s3cret%3Apw@127.0.0.1:${e.port}` } }, {
      "p/fake.js": fake,
      "p/fake.websocket": descriptor("fake", "p/fake"),
    });
    const own = d.t.url("fake");
    const refused = await d.ask("create", [own], { connection: "evq" });
    expect(refused).toMatchObject({ ok: false, error: { isTypeError: true } });
    expect(refused.error!.message).toBe(
      `createCluster(nodes, options): nodes[0] ${own} is not the URL of options.connection "evq" (ws://127.0.0.1:${e.port}/), whose credentials sign in only there ` +
        `(scheme, host, port and path the same); give the connection name "evq" as the node instead, or give this node a connection of its own ` +
        `(--connection NAME=ws://user:password@${new URL(own).host}${new URL(own).pathname})`,
    );
    // Given by its connection name, the node signs in where the operator said.
    expect(await d.ask("create", ["evq"])).toEqual({ ok: true, value: "(undefined)" });
    await statesBecome(d, "READY");
    expect(d.t.logs.lines.some((l) => typeof l.msg === "string" && l.msg.startsWith("FAKE GOT"))).toBe(false);
  });
});

describe("createCluster: what scripts may not do", () => {
  it("refuses credentials in a script's URL, hosts outside the allowlist, unknown connections and bad options, naming the argument", async () => {
    const e = await engine();
    const d = await startDriver(null, {}, { connections: { mq: "amqp://guest:guest@127.0.0.1:5672" } });
    const create = async (...args: unknown[]) => (await d.ask("create", ...args)).error!;
    expect(await create([`ws://admin:s3cret@127.0.0.1:${e.port}`])).toMatchObject({
      isTypeError: true,
      message: expect.stringContaining("nodes[0] carries a user or password in its URL; credentials come only from the server's options"),
    });
    expect(await create([`ws://127.0.0.1:${e.port}`])).toMatchObject({
      isTypeError: true,
      message: `createCluster: connecting to 127.0.0.1:${e.port} is not allowed; start the server with --allow-outbound 127.0.0.1:${e.port} (option outboundHosts)`,
    });
    expect(await create(["nosuch"])).toMatchObject({ isTypeError: true, message: expect.stringContaining('nodes[0] "nosuch" is no connection of this server') });
    expect(await create(["mq"])).toMatchObject({ isTypeError: true, message: expect.stringContaining('"mq" is a amqp connection') });
    expect(await create(["http://127.0.0.1:1"])).toMatchObject({ isTypeError: true, message: expect.stringContaining("must be a ws:// or wss:// URL") });
    expect(await create([`ws://127.0.0.1:${e.port}`], { onEvents: "x" })).toMatchObject({ isTypeError: true, message: expect.stringContaining("options.onEvents is no option") });
    expect(await create(Array.from({ length: 33 }, (_, i) => `ws://127.0.0.1:${i + 1}`))).toMatchObject({ isRangeError: true, message: expect.stringContaining("at most 32") });
    expect(e.connections()).toHaveLength(0);
  });
});
