import { createServer, type AddressInfo } from "node:net";
import { DOMParser } from "@xmldom/xmldom";
import { afterEach } from "vitest";
import { WebSocketServer, type WebSocket as ServerSocket } from "ws";
import { evQueueCluster, evQueueWS, type EvqOptions } from "../../web/evqueue.js";
import { EvqEngine, sha1Hex, type EngineOptions } from "../helpers/evqueue-engine.js";
import { waitUntil } from "../helpers/runtime.js";

// The evQueue browser client from Node: @xmldom/xmldom's DOMParser, Node's global WebSocket.
evQueueWS.DOMParser = DOMParser as unknown as typeof evQueueWS.DOMParser;

/** Short reconnect delays, so that tests see several attempts quickly. */
export const FAST = { minDelayMs: 20, maxDelayMs: 80 } as const;
export const PASSWORD = "secret";
export const ADMIN = { user: "admin", passwordSha1: sha1Hex(PASSWORD) } as const;

/** A WebSocket class that counts the connections it opens, per URL. */
export function countingWebSocket(): { WebSocket: new (url: string, protocol: string) => WebSocket; opened(url: string): number } {
  const counts = new Map<string, number>();
  class Counting extends WebSocket {
    constructor(url: string, protocol: string) {
      super(url, protocol);
      counts.set(url, (counts.get(url) ?? 0) + 1);
    }
  }
  return { WebSocket: Counting, opened: (url) => counts.get(url) ?? 0 };
}

/** A ws:// URL where nothing listens (a port that was free a moment ago). */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `ws://127.0.0.1:${port}`;
}

/**
 * Waits until a client with FAST delays has made `n` attempts against a dead
 * URL: a clock made of the same backoff, for "no further attempt came"
 * assertions without a fixed sleep.
 */
export async function backoffRounds(n = 4): Promise<void> {
  const counter = countingWebSocket();
  const url = await deadUrl();
  const probe = new evQueueWS(url, { ...FAST, WebSocket: counter.WebSocket, credentials: ADMIN });
  probe.Connect().catch(() => {});
  try {
    await waitUntil(() => counter.opened(url) >= n, 10_000, `${n} reconnect attempts of a probe`);
  } finally {
    probe.Close();
  }
}

/** Engines and clients of one test, stopped after it; static settings reset. */
export function evqTestBed() {
  const engines: EvqEngine[] = [];
  const clients: { Close(): void }[] = [];
  const servers: WebSocketServer[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.Close();
    for (const e of engines.splice(0)) await e.stop();
    for (const s of servers.splice(0)) {
      for (const c of s.clients) c.terminate();
      await new Promise((resolve) => s.close(resolve));
    }
    evQueueWS.credentials = null;
    evQueueWS.subtle = undefined;
  });
  return {
    /** An engine whose user admin signs in with PASSWORD (unless `users` says otherwise). */
    async engine(options: EngineOptions = {}): Promise<EvqEngine> {
      const engine = await EvqEngine.start({ users: { admin: PASSWORD }, ...options });
      engines.push(engine);
      return engine;
    },
    /** The ws:// URL of a server that takes connections (any subprotocol) and does `onConnection` with each; without it, never greets (a node stuck before <ready>). */
    async server(onConnection: (socket: ServerSocket) => void = () => {}): Promise<string> {
      const server = new WebSocketServer({ port: 0, host: "127.0.0.1", handleProtocols: (p) => [...p][0] ?? false });
      servers.push(server);
      server.on("connection", onConnection);
      await new Promise((resolve) => server.once("listening", resolve));
      return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    cluster<F extends "xml" | "json" = "xml">(
      urls: string[],
      eventCallback?: ConstructorParameters<typeof evQueueCluster<F>>[1],
      stateChange?: ConstructorParameters<typeof evQueueCluster<F>>[2],
      options: Omit<EvqOptions<F>, "mode" | "eventCallback" | "stateChange"> = {},
    ): evQueueCluster<F> {
      const cluster = new evQueueCluster<F>(urls, eventCallback, stateChange, { credentials: ADMIN, ...FAST, ...options });
      clients.push(cluster);
      return cluster;
    },
    ws<F extends "xml" | "json" = "xml">(url: string, options: EvqOptions<F> = {}): evQueueWS<F> {
      const node = new evQueueWS<F>(url, { credentials: ADMIN, ...FAST, ...options });
      clients.push(node);
      return node;
    },
  };
}
