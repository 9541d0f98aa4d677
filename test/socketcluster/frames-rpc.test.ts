import { describe, expect, it } from "vitest";
import { descriptor } from "../helpers/project.js";
import { startProject } from "../helpers/runtime.js";
import { FrameClient } from "./frame-client.js";

// Channels and calls frame by frame (protocols.md §2.2 rows 5-12).

const HANDLER = `
  const { ChannelError } = require("net/v4/channels");
  exports.onInvoke = async (procedure, data, connection) => {
    if (procedure === "echo") return data;
    if (procedure === "nothing") return null;
    if (procedure === "fail") throw new ChannelError("BadThing", "nope", { extra: 1, detail: "d" });
    if (procedure === "crash") throw new TypeError("broken");
    if (procedure === "ask") {
      try { return { ok: await connection.invoke("whoAreYou", data, { ackTimeoutMs: 3000 }) }; }
      catch (e) { return { failed: e.name, message: e.message, extra: e.extra }; }
    }
    if (procedure === "tell") { connection.transmit("note", data); return null; }
  };
`;

async function start() {
  return startProject({
    "p/h.js": HANDLER,
    "p/bare.js": `exports.onMessage = (text) => text;`,
    "p/sc.websocket": descriptor("sc", "p/h", { protocol: "socketcluster" }),
    "p/pub.websocket": descriptor("pub", "p/h", { protocol: "socketcluster", socketcluster: { clientPublish: true } }),
    "p/bare.websocket": descriptor("bare", "p/bare", { protocol: "socketcluster" }),
  });
}

/** Sends an invoke and resolves with the text of its answer frame. */
async function call(c: FrameClient, cid: number, event: string, data?: unknown): Promise<string> {
  c.send(data === undefined ? { event, cid } : { event, data, cid });
  return c.takeText((t) => t.startsWith(`{"rid":${cid},`) || t === `{"rid":${cid}}`);
}

describe("socketcluster frames: channels", () => {
  it("answers #subscribe with a bare rid, and refuses #publish when client publish is off", async () => {
    const { url } = await start();
    const { client } = await FrameClient.open(url("sc"));
    expect(await call(client, 2, "#subscribe", { channel: "c" })).toBe('{"rid":2}');
    expect(await call(client, 3, "#publish", { channel: "c", data: 1 })).toBe(
      '{"rid":3,"error":{"name":"InvalidActionError","message":"Client publish feature is disabled"}}',
    );
    expect(await call(client, 4, "#subscribe", { channel: "" })).toMatch(/^\{"rid":4,"error":\{"name":"InvalidArgumentsError","message":"[^"]+"\}\}$/);
    client.close();
  });

  it("delivers a client's #publish to subscribers as exactly {event, data:{channel, data}}; #unsubscribe (a transmit of the bare name) stops deliveries", async () => {
    const { url } = await start();
    const { client: sub } = await FrameClient.open(url("pub"));
    const { client: pub } = await FrameClient.open(url("pub"));
    expect(await call(sub, 2, "#subscribe", { channel: "c" })).toBe('{"rid":2}');
    expect(await call(sub, 3, "#subscribe", { channel: "d" })).toBe('{"rid":3}');

    expect(await call(pub, 2, "#publish", { channel: "c", data: { n: 1, s: "é" } })).toBe('{"rid":2}');
    expect(await sub.takeText((t) => t.includes("#publish"))).toBe('{"event":"#publish","data":{"channel":"c","data":{"n":1,"s":"é"}}}');
    // A transmitted publish (no cid) is delivered and not answered.
    pub.send({ event: "#publish", data: { channel: "c", data: "t" } });
    expect(await sub.takeText((t) => t.includes("#publish"))).toBe('{"event":"#publish","data":{"channel":"c","data":"t"}}');

    sub.send({ event: "#unsubscribe", data: "c" });
    // Packets are handled in order: once this answer is here, the unsubscribe was done (and was not answered).
    expect(await call(sub, 4, "echo", "after")).toBe('{"rid":4,"data":"after"}');
    expect(await call(pub, 3, "#publish", { channel: "c", data: "gone" })).toBe('{"rid":3}');
    expect(await call(pub, 4, "#publish", { channel: "d", data: "still" })).toBe('{"rid":4}');
    expect(await sub.takeText((t) => t.includes("#publish"))).toBe('{"event":"#publish","data":{"channel":"d","data":"still"}}');
    expect(sub.texts().filter((t) => t.includes('"gone"'))).toEqual([]);
    expect(sub.texts()).toHaveLength(7);
    expect(pub.texts()).toEqual([expect.stringMatching(/^\{"rid":1,/), '{"rid":2}', '{"rid":3}', '{"rid":4}']);
    sub.close();
    pub.close();
  });
});

describe("socketcluster frames: calls", () => {
  it("answers an invoke with {rid, data}, and an error with its name, message and own fields but no stack", async () => {
    const { url } = await start();
    const { client } = await FrameClient.open(url("sc"));
    expect(await call(client, 2, "echo", { a: [1, null, "x"] })).toBe('{"rid":2,"data":{"a":[1,null,"x"]}}');
    expect(await call(client, 3, "nothing", null)).toBe('{"rid":3,"data":null}');

    const fail = JSON.parse(await call(client, 4, "fail", null)) as { rid: number; error: Record<string, unknown> };
    expect(fail).toEqual({ rid: 4, error: { name: "BadThing", message: "nope", extra: 1, detail: "d" } });
    expect("stack" in fail.error).toBe(false);
    const crash = JSON.parse(await call(client, 5, "crash", null)) as { rid: number; error: Record<string, unknown> };
    expect(crash).toEqual({ rid: 5, error: { name: "TypeError", message: "broken" } });
    expect("stack" in crash.error).toBe(false);
    client.close();
  });

  it("answers an unknown procedure, and an unknown #event with a cid, with InvalidActionError at once", async () => {
    const { url } = await start();
    const { client } = await FrameClient.open(url("sc"));
    expect(await call(client, 2, "nosuch", 1)).toBe('{"rid":2,"error":{"name":"InvalidActionError","message":"No procedure \\"nosuch\\""}}');
    expect(JSON.parse(await call(client, 3, "#xyz", 1))).toEqual({ rid: 3, error: { name: "InvalidActionError", message: expect.stringContaining("#xyz") } });
    // Without a cid nobody waits: no answer, and the connection stays.
    client.send({ event: "#xyz", data: 1 });
    expect(await call(client, 4, "echo", 4)).toBe('{"rid":4,"data":4}');
    expect(client.texts()).toHaveLength(4);
    client.close();

    // A handler without onInvoke: answered by the host without asking the handler (well inside hookTimeoutMs, 5000).
    const bare = await FrameClient.open(url("bare"));
    const asked = Date.now();
    expect(await call(bare.client, 2, "anything", null)).toMatch(/^\{"rid":2,"error":\{"name":"InvalidActionError","message":"No procedure \\"anything\\"[^"]*"\}\}$/);
    expect(Date.now() - asked).toBeLessThan(1000);
    bare.client.close();
  });

  it("invokes a client procedure with {event, data, cid} and takes its {rid, data} or {rid, error}; transmits as {event, data}", async () => {
    const { url } = await start();
    const { client } = await FrameClient.open(url("sc"));
    client.send({ event: "ask", data: { q: 1 }, cid: 2 });
    expect(await client.takeText((t) => t.includes("whoAreYou"))).toBe('{"event":"whoAreYou","data":{"q":1},"cid":1}');
    client.send({ rid: 1, data: "me" });
    expect(await client.takeText((t) => t.startsWith('{"rid":2,'))).toBe('{"rid":2,"data":{"ok":"me"}}');

    client.send({ event: "ask", data: null, cid: 3 });
    expect(await client.takeText((t) => t.includes("whoAreYou"))).toBe('{"event":"whoAreYou","data":null,"cid":2}');
    client.send({ rid: 2, error: { name: "NoWay", message: "refused", extra: 5 } });
    expect(JSON.parse(await client.takeText((t) => t.startsWith('{"rid":3,')))).toEqual({ rid: 3, data: { failed: "NoWay", message: "refused", extra: 5 } });

    expect(await call(client, 4, "tell", { x: 1 })).toBe('{"rid":4,"data":null}');
    expect(await client.takeText((t) => t.includes('"note"'))).toBe('{"event":"note","data":{"x":1}}');
    client.close();
  });
});
