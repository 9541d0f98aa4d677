import { lookup } from "node:dns";
import type { LookupFunction } from "node:net";
import { afterEach, expect, it } from "vitest";
import { EvqSocket, type SocketOwner } from "../../src/protocols/evqueue/client/evq-socket.js";
import { EvqEngine } from "../helpers/evqueue-engine.js";
import { waitUntil } from "../helpers/runtime.js";

// One node socket on its own, with a short ping interval: its liveness check while the handler is behind.

let engines: EvqEngine[] = [];
let sockets: EvqSocket[] = [];
afterEach(async () => {
  for (const s of sockets) s.close("the test ended");
  sockets = [];
  await Promise.all(engines.map((e) => e.stop()));
  engines = [];
});

const PING_MS = 40;

function owner(notes: string[]): SocketOwner {
  return { alive: () => true, changed: () => {}, ready: () => {}, eventFrame: () => {}, note: (_socket, _level, message) => notes.push(message) };
}

it("does not drop a socket paused for backpressure for want of a pong, and checks again once it reads", async () => {
  const e = await EvqEngine.start({ node: "n1" });
  engines.push(e);
  const notes: string[] = [];
  const socket = new EvqSocket({ given: e.url, url: `${e.url}/`, shown: `${e.url}/` }, "events", lookup as LookupFunction, owner(notes), PING_MS);
  sockets.push(socket);
  socket.open();
  await waitUntil(() => socket.state === "READY", 5000, "READY");
  const server = e.connections("events")[0]!;
  let pings = 0;
  server.on("ping", () => pings++);
  await waitUntil(() => pings >= 2, 5000, "pings while reading");

  // Paused (as when the handler has 64 of its events unanswered): pongs are not read meanwhile.
  socket.pause();
  const pausedAt = Date.now();
  await waitUntil(() => Date.now() - pausedAt >= 10 * PING_MS, 5000, "ten ping intervals paused");
  expect(socket.state).toBe("READY");
  expect(socket.connection).toBe(1);
  expect(e.connections("events")).toEqual([server]);
  expect(notes.filter((n) => /pong/.test(n))).toEqual([]);

  // Reading again: pings go on and are answered.
  socket.resume();
  const before = pings;
  await waitUntil(() => pings >= before + 3, 5000, "pings after the resume");
  expect(socket.state).toBe("READY");
  expect(socket.connection).toBe(1);

  // A node that stops answering pings is still dropped.
  server.pause();
  await waitUntil(() => notes.some((n) => n === `no pong within ${PING_MS} ms; connecting again with backoff`), 5000, "the drop for want of a pong");
});
