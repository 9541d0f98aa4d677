import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { create, type AGClientSocket } from "socketcluster-client";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil, type TestRuntime } from "../helpers/runtime.js";

/** Procedures that run the net/v4/channels API and answer what it gave. */
const HANDLER = `
  const channels = require("net/v4/channels");
  const heard = [];
  channels.listen("orders");
  exports.onPublication = (channel, data, meta) => { heard.push({ channel, data, meta }); };
  exports.onTransmit = (receiver) => { throw new channels.ChannelError("NobodyListens", "no receiver " + receiver); };
  exports.onInvoke = async (procedure, data, connection) => {
    switch (procedure) {
      case "exports": return Object.keys(channels).sort();
      case "publish": return channels.publish(data.channel, data.data, data.exceptMe ? { except: [connection] } : undefined);
      case "subscribers": return channels.subscribers(data);
      case "presence": return channels.presence(data);
      case "history": return channels.history(data.channel, data.since, data.limit);
      case "heard": return heard;
      case "unlisten": channels.unlisten("orders"); return null;
      case "listenMany": {
        for (let i = 1; i < 1000; i++) channels.listen("many/" + i);
        try { channels.listen("one-too-many"); } catch (e) { return e.name + ": " + e.message; }
        return "no limit";
      }
      case "subscribeMe": connection.subscribe(data); return connection.subscriptions;
      case "kickMe": connection.kickOut(data, "bye now"); return null;
      case "transmitMe": connection.transmit("notice", data); return null;
      case "fail": throw new channels.ChannelError("ForbiddenError", "not you", { retryAfter: 5, nested: { a: 1 } });
      case "badName": try { channels.publish("#x", 1); } catch (e) { return e.name + ": " + e.message; }
      case "bug": return noSuchThing.x;
      case "notJson": try { channels.publish("c", { f() {} , big: 1n }); } catch (e) { return e.name; }
    }
  };`;

const files = {
  "p/h.js": HANDLER,
  "p/h.websocket": descriptor("sc", "p/h", { protocol: "socketcluster", socketcluster: { history: [{ channels: "kept", size: 10, ttlMs: 60_000 }] } }),
  "p/raw.js": `exports.onMessage = async (m, connection) => {
    try { await connection.setAuthToken({ user: "x" }); return "signed"; } catch (e) { return e.name + ": " + e.message; }
  };`,
  "p/raw.websocket": descriptor("raw", "p/raw"),
};

const sockets: AGClientSocket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.disconnect();
});

async function connect(node: TestRuntime): Promise<AGClientSocket> {
  const socket = create({ hostname: "127.0.0.1", port: Number(new URL(node.runtime.url).port), path: "/websockets/v4/service/sc", autoReconnect: false });
  sockets.push(socket);
  await socket.listener("connect").once(5000);
  return socket;
}

describe("net/v4/channels from a handler script", () => {
  it("exports exactly what its types declare", async () => {
    const node = await startProject(files);
    const names = await (await connect(node)).invoke("exports", null);
    const types = readFileSync(new URL("../../src/capabilities/channels/channels.d.ts", import.meta.url), "utf8");
    const declared = [...types.matchAll(/^ {2}export (?:function|class) (\w+)/gm)].map((m) => m[1]);
    expect(names).toEqual([...new Set(declared)].sort());
  });

  it("publishes to subscribers but those excepted, lists this node's subscribers, counts presence, and keeps history with positions", async () => {
    const node = await startProject(files);
    const a = await connect(node);
    const b = await connect(node);
    const chA = a.subscribe("room");
    const chB = b.subscribe("room");
    await Promise.all([chA.listener("subscribe").once(5000), chB.listener("subscribe").once(5000)]);
    expect(((await a.invoke("subscribers", "room")) as string[]).sort()).toEqual([a.id, b.id].sort());
    expect(await a.invoke("presence", "room")).toEqual({ count: 2 });
    const gotB = chB.once(5000);
    // a publishes, excepting itself: b gets it, a does not (a's next publication is the first it sees).
    expect(await a.invoke("publish", { channel: "room", data: { n: 1 }, exceptMe: true })).toBeNull();
    expect(await gotB).toEqual({ n: 1 });
    const gotA = chA.once(5000);
    await b.invoke("publish", { channel: "room", data: { n: 2 } });
    expect(await gotA).toEqual({ n: 2 });

    const p1 = (await a.invoke("publish", { channel: "kept", data: "one" })) as { offset: number; epoch: string };
    await a.invoke("publish", { channel: "kept", data: "two" });
    expect(p1.offset).toBe(1);
    const page = await a.invoke("history", { channel: "kept", since: p1 });
    expect(page).toEqual({ recovered: true, epoch: p1.epoch, offset: 2, publications: [{ offset: 2, data: "two" }] });
    const none = await a.invoke("history", { channel: "room" }).catch((e: Error) => e);
    expect((none as Error).name).toBe("InvalidActionError");
  });

  it("runs onPublication for channels the module listens to, until unlisten", async () => {
    const node = await startProject(files);
    const a = await connect(node);
    await a.invoke("publish", { channel: "orders", data: { id: 7 } });
    const heard = await waitUntil(async () => {
      const h = (await a.invoke("heard", null)) as unknown[];
      return h.length > 0 ? h : undefined;
    }, 5000, "a publication heard");
    expect(heard).toEqual([{ channel: "orders", data: { id: 7 }, meta: {} }]);
    await a.invoke("unlisten", null);
    await a.invoke("publish", { channel: "orders", data: { id: 8 } });
    await a.invoke("publish", { channel: "kept", data: "marker" });
    expect(await a.invoke("heard", null)).toHaveLength(1);
  });

  it("bounds the channels a module listens to: the 1,001st listen() throws a RangeError", async () => {
    const node = await startProject(files);
    const a = await connect(node);
    // "orders" is the first; 999 more fill the module's 1,000.
    expect(await a.invoke("listenMany", null)).toBe("RangeError: listen(channel): this module listens to 1000 channels already; unlisten() some first");
  });

  it("subscribes, kicks out and transmits to a connection from the server side, and throws errors with their name and fields", async () => {
    const node = await startProject(files);
    const a = await connect(node);
    expect(await a.invoke("subscribeMe", "news")).toEqual(["news"]);
    const kicked = a.listener("kickOut").once(5000);
    const ch = a.subscribe("gone");
    await ch.listener("subscribe").once(5000);
    await a.invoke("kickMe", "gone");
    expect(await kicked).toEqual({ channel: "gone", message: "bye now" });
    expect(a.isSubscribed("gone", true)).toBe(false);
    const notice = a.receiver("notice").once(5000);
    await a.invoke("transmitMe", { text: "hi" });
    expect(await notice).toEqual({ text: "hi" });
    const error = (await a.invoke("fail", null).catch((e: unknown) => e)) as Record<string, unknown>;
    expect(error).toMatchObject({ name: "ForbiddenError", message: "not you", retryAfter: 5 });
    expect(error).not.toHaveProperty("nested");
    expect(Object.keys(error)).not.toContain("stack");
    expect(await a.invoke("badName", null)).toBe('TypeError: publish(channel, data): channel must not start with "#" (such names belong to the protocol)');
    expect(await a.invoke("notJson", null)).toBe("TypeError");
  });

  it("logs a hook that has a bug, and a transmit whose hook threw (nobody else hears it); an error meant for the client is not logged", async () => {
    const node = await startProject(files);
    const a = await connect(node);
    expect(await a.invoke("bug", null).catch((e: Error) => e.name)).toBe("ReferenceError");
    const bug = await node.logs.waitFor((l) => l.hook === "onInvoke");
    expect(bug.msg).toBe(`onInvoke failed for ${a.id}: ReferenceError: noSuchThing is not defined`);
    expect(bug).toMatchObject({ handler: "p/h.js", endpoint: "sc", session: a.id });
    a.transmit("nowhere", 1);
    const thrown = await node.logs.waitFor((l) => l.hook === "onTransmit");
    expect(thrown.msg).toBe(`onTransmit failed for ${a.id}: NobodyListens: no receiver nowhere`);
    expect(await a.invoke("fail", null).catch((e: Error) => e.name)).toBe("ForbiddenError");
    expect(node.logs.lines.filter((l) => l.hook === "onInvoke")).toHaveLength(1);
  });

  it("tells a raw endpoint's script that sign-in works on socketcluster endpoints", async () => {
    const node = await startProject(files);
    const c = await TestClient.connect(node.url("raw"));
    expect(await c.ask("x")).toMatch(/^TypeError: connection.setAuthToken\(\): s\d+ is a connection of a raw endpoint; this works on endpoints with "protocol": "socketcluster"$/);
  });
});
