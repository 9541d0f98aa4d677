import { afterEach, describe, expect, it, vi } from "vitest";
import type { EvqError } from "../../web/evqueue.js";
import { evQueueWS } from "../../web/evqueue.js";
import { startProject, waitUntil } from "../helpers/runtime.js";
import { backoffRounds, countingWebSocket, evqTestBed } from "./browser-client-kit.js";
import { adminPassword, signedInProject } from "./signed-in-project.js";

// What the evQueue browser client makes of a node closing the connection before <ready>:
// a refused sign-in parks the node, a sign-in that took too long is retried with backoff,
// and an address refused for too many failed sign-ins waits the seconds the node names.

const bed = evqTestBed();
const warnings: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  warnings.length = 0;
});
function captureWarnings(): void {
  vi.spyOn(console, "warn").mockImplementation((...args: unknown[]) => void warnings.push(args.map(String).join(" ")));
}

/** A node that sends a challenge and closes with `code`/`reason` on the answer (or at once, before any challenge). */
function closingNode(code: number, reason: string, when: "on the answer" | "at once") {
  return bed.server((socket) => {
    if (when === "at once") return socket.close(code, reason);
    socket.send(`<auth challenge="${"ab".repeat(20)}" status="OK"/>`);
    socket.once("message", () => socket.close(code, reason));
  });
}

describe("the evQueue client when a node closes before <ready>", () => {
  it.each([
    [1008, "aerostat"],
    [1011, "evQueue"],
  ])('parks the node on %i "Invalid authentication" (%s): AUTHENTICATION, no further attempt', async (code) => {
    const url = await closingNode(code, "Invalid authentication", "on the answer");
    const counter = countingWebSocket();
    const node = bed.ws(url, { WebSocket: counter.WebSocket });
    await expect(node.Connect()).rejects.toMatchObject({ message: "Authentication error", code: "AUTHENTICATION" });
    await backoffRounds();
    expect([counter.opened(url), node.GetState(), node.GetLastError()]).toEqual([1, "ERROR", "AUTHENTICATION"]);
  });

  it.each(["no authentication answer", 'sign in first: answer the challenge with <auth response="…" user="…"/>', "authentication is busy"])(
    'tries again with backoff after 1008 "%s": a connection problem, not a refused sign-in',
    async (reason) => {
      const url = await closingNode(1008, reason, "on the answer");
      const counter = countingWebSocket();
      const node = bed.ws(url, { WebSocket: counter.WebSocket });
      const error = (await node.Connect().catch((e: unknown) => e)) as EvqError;
      expect([error.code, error.message]).toEqual(["CONNECTION", `Connection error: ${url}: the connection closed (1008 ${reason})`]);
      await waitUntil(() => counter.opened(url) >= 3, 5000, "two more attempts");
      expect(node.GetLastError()).toBe("CONNECTION");
    },
  );

  it("waits the seconds a rate-limited node names before the next attempt, and says so", async () => {
    captureWarnings();
    const url = await closingNode(1008, "too many failed sign-ins from this address; try again in 1 s", "at once");
    const counter = countingWebSocket();
    const node = bed.ws(url, { WebSocket: counter.WebSocket });
    const error = (await node.Connect().catch((e: unknown) => e)) as EvqError;
    const refusedAt = Date.now();
    expect(error.code).toBe("CONNECTION");
    expect(error.message).toMatch(/refuses sign-ins from this address for 1 s \(1008 too many failed sign-ins from this address; try again in 1 s\)$/);
    expect([node.GetState(), node.GetLastError()]).toEqual(["ERROR", "RATE_LIMITED"]);
    expect(warnings).toEqual([`evQueue: ${url} refuses sign-ins from this address for now (1008 too many failed sign-ins from this address; try again in 1 s); the next attempt is in 1 s`]);
    // Commands say why they cannot go now.
    await expect(node.API({ group: "instances", action: "list" })).rejects.toThrow(/refuses sign-ins from this address for now, after too many failed ones \(it tries again by itself\)/);
    await backoffRounds();
    expect(counter.opened(url)).toBe(1);
    await waitUntil(() => counter.opened(url) === 2, 5000, "the attempt after the wait");
    expect(Date.now() - refusedAt).toBeGreaterThanOrEqual(950);
  });
});

describe("the evQueue client against an aerostat node's sign-in limits", () => {
  it("an address refused for too many failed sign-ins: RATE_LIMITED, and no attempt before the node's 60 s", async () => {
    captureWarnings();
    const t = await startProject(signedInProject({ authFailuresPerMinute: 1 }), adminPassword());
    const url = t.url("jobs");
    const wrong = bed.ws(url, { credentials: { user: "admin", passwordSha1: "0".repeat(40) } });
    await expect(wrong.Connect()).rejects.toThrow("Authentication error");

    const counter = countingWebSocket();
    const node = bed.ws(url, { WebSocket: counter.WebSocket });
    const error = (await node.Connect().catch((e: unknown) => e)) as EvqError;
    expect(error.message).toMatch(/\(1008 too many failed sign-ins from this address; try again in 60 s\)$/);
    expect([node.GetState(), node.GetLastError()]).toEqual(["ERROR", "RATE_LIMITED"]);
    expect(warnings.some((w) => w.endsWith("the next attempt is in 60 s"))).toBe(true);
    await backoffRounds();
    expect(counter.opened(url)).toBe(1);
  });

  it('a sign-in answer that never comes: closed "no authentication answer", and the client tries again', async () => {
    const t = await startProject(signedInProject(), { ...adminPassword(), handshakeTimeoutMs: 150 });
    // A page whose hashing hangs: the challenge is never answered.
    evQueueWS.subtle = { importKey: async () => ({}), sign: () => new Promise(() => {}) } as unknown as typeof evQueueWS.subtle;
    const counter = countingWebSocket();
    const node = bed.ws(t.url("jobs"), { WebSocket: counter.WebSocket });
    const error = (await node.Connect().catch((e: unknown) => e)) as EvqError;
    expect(error.message).toMatch(/the connection closed \(1008 no authentication answer\)$/);
    await waitUntil(() => counter.opened(t.url("jobs")) >= 2, 5000, "another attempt");
    expect(node.GetLastError()).toBe("CONNECTION");
  });
});
