import { describe, expect, it } from "vitest";
import { create, type AGClientSocket } from "socketcluster-client";
import { descriptor } from "../helpers/project.js";
import { RedisServer } from "../helpers/redis-server.js";
import { startProject, waitUntil, type TestRuntime } from "../helpers/runtime.js";

const KEY = "a-test-key-that-is-at-least-thirty-two-bytes-long";

const HANDLER = `
  const { publish, presence } = require("net/v4/channels");
  exports.onInvoke = async (procedure, data, connection) => {
    if (procedure === "say") return publish(data.channel, data.text);
    if (procedure === "login") { await connection.setAuthToken({ user: data }); return "ok"; }
    if (procedure === "whoami") return connection.authToken ? connection.authToken.user : null;
    if (procedure === "presence") return presence(data);
  };`;

const files = {
  "p/h.js": HANDLER,
  "p/h.websocket": descriptor("sc", "p/h", {
    protocol: "socketcluster",
    socketcluster: { history: [{ channels: "news/*", size: 3, ttlMs: 60_000 }] },
  }),
};

function client(node: TestRuntime, extra: Record<string, unknown> = {}): AGClientSocket {
  const port = Number(new URL(node.runtime.url).port);
  return create({ hostname: "127.0.0.1", port, path: "/websockets/v4/service/sc", autoReconnect: false, ...extra });
}

async function twoNodes(redis: RedisServer) {
  const a = await startProject(files, { engine: "redis", redisUrl: redis.url, nodeName: "n1", authKey: KEY });
  const b = await startProject(files, { engine: "redis", redisUrl: redis.url, nodeName: "n2", authKey: KEY });
  await b.logs.waitFor((l) => l.msg === "engine redis: node n2, 2 peers seen");
  return { a, b };
}

describe("socketcluster channels across two nodes on one Redis", () => {
  it("delivers a publication made on node B to a subscriber on node A exactly once, counts presence over both, and signs in on either node with one key", async () => {
    const redis = await RedisServer.start();
    const { a, b } = await twoNodes(redis);
    const onA = client(a);
    const onB = client(b);
    try {
      await Promise.all([onA.listener("connect").once(5000), onB.listener("connect").once(5000)]);
      expect(onA.id).toMatch(/^n1\.s\d+$/);
      const channel = onA.subscribe("room");
      await channel.listener("subscribe").once(5000);
      const got: unknown[] = [];
      void (async () => {
        for await (const data of channel) got.push(data);
      })();
      await onB.invoke("say", { channel: "room", text: "one" });
      await onB.invoke("say", { channel: "room", text: "two" });
      await waitUntil(() => (got.length >= 2 ? got : undefined), 5000, "two publications");
      // A third publication proves nothing more came in between.
      await onB.invoke("say", { channel: "room", text: "three" });
      await waitUntil(() => (got.length >= 3 ? got : undefined), 5000, "three publications");
      expect(got).toEqual(["one", "two", "three"]);
      expect(await onB.invoke("presence", "room")).toEqual({ count: 1 });

      // A token minted on node A signs in on node B.
      const authenticated = onA.listener("authenticate").once(5000);
      await onA.invoke("login", "ann");
      const { signedAuthToken } = await authenticated;
      const status = await onB.authenticate(signedAuthToken);
      expect(status.isAuthenticated).toBe(true);
      expect(await onB.invoke("whoami", null)).toBe("ann");
    } finally {
      onA.disconnect();
      onB.disconnect();
    }
  });

  it("recovers what a client missed on a history channel from either node, and says recovered:false once Redis lost the stream", async () => {
    const redis = await RedisServer.start();
    const { a, b } = await twoNodes(redis);
    const onA = client(a);
    const onB = client(b);
    try {
      await Promise.all([onA.listener("connect").once(5000), onB.listener("connect").once(5000)]);
      const first = (await onB.invoke("say", { channel: "news/x", text: "p1" })) as { offset: number; epoch: string };
      expect(first.offset).toBe(1);
      for (const text of ["p2", "p3"]) await onA.invoke("say", { channel: "news/x", text });
      const page = await onA.invoke("aerostat.recover", { channel: "news/x", epoch: first.epoch, offset: first.offset });
      expect(page).toEqual({
        recovered: true,
        epoch: first.epoch,
        offset: 3,
        publications: [
          { offset: 2, data: "p2" },
          { offset: 3, data: "p3" },
        ],
      });
      // size 3: two more push p1..p2 out, so recovery from offset 1 is incomplete.
      for (const text of ["p4", "p5"]) await onB.invoke("say", { channel: "news/x", text });
      const trimmed = (await onA.invoke("aerostat.recover", { channel: "news/x", epoch: first.epoch, offset: 1 })) as { recovered: boolean };
      expect(trimmed.recovered).toBe(false);
      await redis.cli("FLUSHALL");
      const lost = (await onB.invoke("aerostat.recover", { channel: "news/x", epoch: first.epoch, offset: 5 })) as { recovered: boolean; epoch: string };
      expect(lost.recovered).toBe(false);
      expect(lost.epoch).not.toBe(first.epoch);
      // A subscriber sees offset and epoch on each #publish frame (the stock client passes only data on).
      const none = await onA.invoke("aerostat.recover", { channel: "room", epoch: "x", offset: 0 }).catch((e: Error) => e);
      expect((none as Error).name).toBe("InvalidActionError");
    } finally {
      onA.disconnect();
      onB.disconnect();
    }
  });
});
