import { describe, expect, it } from "vitest";
import { descriptor } from "../helpers/project.js";
import { startProject } from "../helpers/runtime.js";
import { FrameClient } from "./frame-client.js";

// Raw frames, frames that are not what the protocol expects, and a flood of calls.

const HANDLER = `
  let running = 0;
  let most = 0;
  exports.onMessage = (text, connection) => { connection.send("raw:" + (text.length > 40 ? text.length + " chars" : text)); };
  exports.onInvoke = async (procedure, data) => {
    if (procedure === "echo") return data;
    if (procedure === "slow") {
      running++;
      if (running > most) most = running;
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      return data;
    }
    if (procedure === "most") return most;
  };
`;

async function start() {
  return startProject({
    "p/h.js": HANDLER,
    "p/sc.websocket": descriptor("sc", "p/h", { protocol: "socketcluster", maxPayload: 64 * 1024 }),
  });
}

describe("socketcluster frames: raw text", () => {
  it("hands text that is not a packet to onMessage after the handshake; connection.send() arrives as raw text", async () => {
    const { url } = await start();
    const { client } = await FrameClient.open(url("sc"));
    for (const text of ["hello there", '{"not json', "[1,2]", "null", "#1", '"quoted"']) {
      client.send(text);
      expect(await client.takeText((t) => t.startsWith("raw:"))).toBe(`raw:${text}`);
    }
    // Protocol frames go on around them.
    client.send({ event: "echo", data: "x", cid: 2 });
    expect(await client.takeText((t) => t.startsWith('{"rid":2'))).toBe('{"rid":2,"data":"x"}');
    client.close();
  });
});

describe("socketcluster frames: what the host does not expect", () => {
  it("answers packets without an event name, ignores answers nobody asked for, and keeps going", async () => {
    const { url } = await start();
    const { client } = await FrameClient.open(url("sc"));
    client.send({ event: 42, cid: 7 });
    expect(await client.takeText((t) => t.startsWith('{"rid":7'))).toBe('{"rid":7,"error":{"name":"InvalidActionError","message":"a packet needs an event name"}}');
    client.send({ cid: 8, data: {} });
    expect(await client.takeText((t) => t.startsWith('{"rid":8'))).toBe('{"rid":8,"error":{"name":"InvalidActionError","message":"a packet needs an event name"}}');
    client.send({ event: "#subscribe", data: "c", cid: 9 });
    expect(JSON.parse(await client.takeText((t) => t.startsWith('{"rid":9'))))
      .toEqual({ rid: 9, error: { name: "InvalidArgumentsError", message: expect.any(String) } });
    client.send({ event: "#publish", cid: 10 });
    expect(JSON.parse(await client.takeText((t) => t.startsWith('{"rid":10'))))
      .toEqual({ rid: 10, error: { name: "InvalidArgumentsError", message: expect.any(String) } });
    client.send({ rid: 999, data: 1 });
    client.send({ event: "#handshake", data: {}, cid: 11 });
    client.send({ event: "echo", data: "still here", cid: 12 });
    await client.takeText((t) => t.startsWith('{"rid":12'));
    // The late #handshake is an event of the protocol the open connection does not take: refused, not answered as a handshake.
    expect(JSON.parse(client.texts().at(-2)!)).toEqual({ rid: 11, error: { name: "InvalidActionError", message: expect.any(String) } });
    expect(client.texts().at(-1)).toBe('{"rid":12,"data":"still here"}');
    client.close();
  });

  it("survives a frame past maxPayload, a deeply nested one and a batch too long to be packets", async () => {
    const { url } = await start();
    const big = await FrameClient.open(url("sc"));
    big.client.send(JSON.stringify({ event: "echo", data: "x".repeat(100 * 1024), cid: 2 }));
    expect((await big.client.closed).code).toBe(1009);

    const { client } = await FrameClient.open(url("sc"));
    const deep = "[".repeat(20_000) + "]".repeat(20_000);
    client.send(deep);
    expect(await client.takeText((t) => t.startsWith("raw:"))).toBe(`raw:${deep.length} chars`);
    const batch = Array.from({ length: 1001 }, (_, i) => ({ event: "echo", data: i, cid: i + 2 }));
    client.send(batch);
    expect(await client.takeText((t) => t.startsWith("raw:"))).toMatch(/^raw:\d+ chars$/);
    expect(client.texts().filter((t) => t.startsWith('{"rid":2,'))).toEqual([]);

    const fresh = await FrameClient.open(url("sc"));
    fresh.client.send({ event: "echo", data: "ok", cid: 2 });
    expect(await fresh.client.takeText((t) => t.startsWith('{"rid":2'))).toBe('{"rid":2,"data":"ok"}');
    client.close();
    fresh.client.close();
  });
});

describe("socketcluster frames: a flood of calls", () => {
  it("bounds the calls one connection has in onInvoke at once, and answers every one", async () => {
    const { url } = await start();
    const { client } = await FrameClient.open(url("sc"));
    const count = 400;
    // Written in one go: the host reads them far faster than the slow hook answers.
    for (let i = 0; i < count; i++) client.send({ event: "slow", data: i, cid: i + 2 });
    const last = `{"rid":${count + 1},`;
    await client.takeText((t) => t.startsWith(last), 20_000);
    const answers = client.texts().filter((t) => t.startsWith('{"rid":') && !t.startsWith('{"rid":1,'));
    expect(answers).toHaveLength(count);
    expect(new Set(answers)).toEqual(new Set(Array.from({ length: count }, (_, i) => `{"rid":${i + 2},"data":${i}}`)));
    client.send({ event: "most", cid: count + 2 });
    const most = JSON.parse(await client.takeText((t) => t.startsWith(`{"rid":${count + 2},`))) as { data: number };
    expect(most.data).toBeGreaterThan(1);
    expect(most.data).toBeLessThanOrEqual(64);
    client.close();
  });
});
