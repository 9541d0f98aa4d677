import { describe, expect, it } from "vitest";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { RedisServer } from "../helpers/redis-server.js";
import { startProject, waitUntil } from "../helpers/runtime.js";

/** Commands as JSON: sendTo an id (text or bytes), countSessions, or say this session's id. */
const HANDLER = `
  const websockets = require("net/v4/websockets");
  exports.onMessage = async (m, connection) => {
    const cmd = JSON.parse(m);
    if (cmd.op === "id") return connection.id;
    if (cmd.op === "send") {
      const ok = await websockets.sendTo(cmd.to, cmd.bytes ? new Uint8Array(cmd.bytes) : cmd.text);
      return JSON.stringify({ sent: ok });
    }
    if (cmd.op === "order") {
      connection.send("1");
      const sent = websockets.sendTo(connection, "2");
      connection.send("3");
      return sent.then((ok) => "sent " + ok);
    }
    if (cmd.op === "count") return JSON.stringify({ count: await websockets.countSessions(cmd.endpoint) });
    if (cmd.op === "bad") {
      try { websockets.sendTo(42, "x"); } catch (e) { return String(e); }
    }
  };`;

const files = {
  "p/a.js": HANDLER,
  "p/a.websocket": descriptor("a", "p/a"),
  "p/b.websocket": descriptor("b", "p/a"),
  "q/a.js": HANDLER,
  "q/a.websocket": descriptor("qa", "q/a"),
};

const ask = async (c: TestClient, cmd: Record<string, unknown>) => String(await c.ask(JSON.stringify(cmd)));

describe("sendTo and countSessions on one node", () => {
  it("treats ids and endpoint names that no node or endpoint can have as no session at all", async () => {
    // On the redis engine, where an id of another node would be published on that node's channel.
    const redis = await RedisServer.start();
    const { url } = await startProject(files, { engine: "redis", redisUrl: redis.url, nodeName: "n1" });
    const c = await TestClient.connect(url("a"));
    expect(await ask(c, { op: "send", to: "z}:node:n1.s1", text: "x" })).toBe('{"sent":false}');
    expect(await ask(c, { op: "send", to: "n".repeat(300) + ".s1", text: "x" })).toBe('{"sent":false}');
    expect(await ask(c, { op: "count", endpoint: "x}:presence:sessions" })).toBe('{"count":0}');
    expect(await ask(c, { op: "count", endpoint: "a" })).toBe('{"count":1}');
  });

  it("sends to one session by id, text or bytes; false for an unknown, closed or other project's id", async () => {
    const { url } = await startProject(files);
    const alice = await TestClient.connect(url("a"));
    const bob = await TestClient.connect(url("b"));
    const other = await TestClient.connect(url("qa"));
    const bobId = await ask(bob, { op: "id" });
    const otherId = await ask(other, { op: "id" });

    expect(await ask(alice, { op: "send", to: bobId, text: "hello bob" })).toBe('{"sent":true}');
    expect((await bob.received(2)).at(-1)).toBe("hello bob");
    expect(await ask(alice, { op: "send", to: bobId, bytes: [1, 2, 3] })).toBe('{"sent":true}');
    expect((await bob.received(3)).at(-1)).toEqual(Buffer.from([1, 2, 3]));

    expect(await ask(alice, { op: "send", to: "s999", text: "nobody" })).toBe('{"sent":false}');
    expect(await ask(alice, { op: "send", to: otherId, text: "across projects" })).toBe('{"sent":false}');
    // An id of another node, on an engine with one node: no such session.
    expect(await ask(alice, { op: "send", to: `n2.${bobId}`, text: "elsewhere" })).toBe('{"sent":false}');
    bob.close();
    await bob.closed;
    await waitUntil(async () => (await ask(alice, { op: "send", to: bobId, text: "gone" })) === '{"sent":false}' || undefined, 5000, "sendTo a closed id to be false");
    expect(other.messages).toEqual([otherId]);
    expect(bob.messages).toHaveLength(3);
    expect(await ask(alice, { op: "bad" })).toBe("TypeError: sendTo(sessionId, message): sessionId must be a session id (a string) or a connection");
  });

  it("sends in order with the hook's other sends", async () => {
    const { url } = await startProject(files);
    const c = await TestClient.connect(url("a"));
    c.send(JSON.stringify({ op: "order" }));
    expect(await c.received(4)).toEqual(["1", "2", "3", "sent true"]);
  });

  it("counts the project's sessions, per endpoint or all, as they open and close", async () => {
    const { url } = await startProject(files);
    const a1 = await TestClient.connect(url("a"));
    const a2 = await TestClient.connect(url("a"));
    const b1 = await TestClient.connect(url("b"));
    await TestClient.connect(url("qa"));
    expect(await ask(a1, { op: "count" })).toBe('{"count":3}');
    expect(await ask(a1, { op: "count", endpoint: "a" })).toBe('{"count":2}');
    expect(await ask(a1, { op: "count", endpoint: "b" })).toBe('{"count":1}');
    // Another project's endpoint counts none of this project's sessions.
    expect(await ask(a1, { op: "count", endpoint: "qa" })).toBe('{"count":0}');
    a2.close();
    b1.close();
    await Promise.all([a2.closed, b1.closed]);
    await waitUntil(async () => (await ask(a1, { op: "count" })) === '{"count":1}' || undefined, 5000, "the count to drop");
    expect(await ask(a1, { op: "count", endpoint: "b" })).toBe('{"count":0}');
  });
});
