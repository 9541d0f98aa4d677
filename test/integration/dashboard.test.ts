import http from "node:http";
import { describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import type { DashboardSnapshot } from "../../src/dashboard/snapshot.js";
import type { Runtime } from "../../src/index.js";
import { refusal, TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil } from "../helpers/runtime.js";

const FILES = {
  "p/echo.js": "exports.onMessage = (m) => { if (m === 'fail') throw new Error('asked to fail'); return 'echo: ' + m; };",
  "p/echo.websocket": descriptor("echo", "p/echo"),
};

/** The live socket's URL, with the runtime's token (or `token`). */
function socketUrl(runtime: Runtime, token?: string): string {
  const url = new URL(runtime.dashboardUrl!.replace(/^http/, "ws"));
  url.pathname = "/websockets/v4/dashboard";
  if (token !== undefined) url.searchParams.set("token", token);
  return url.toString();
}

/** Watches the dashboard's live socket; `latest` is the newest snapshot. */
async function watch(runtime: Runtime, headers: Record<string, string> = {}) {
  const ws = new WebSocket(socketUrl(runtime), { headers });
  const state: { latest?: DashboardSnapshot; count: number } = { count: 0 };
  ws.on("message", (data) => {
    state.latest = JSON.parse(data.toString()) as DashboardSnapshot;
    state.count++;
  });
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  return { ws, state };
}

describe("dashboard", () => {
  it("serves its page and script to this machine", async () => {
    const { runtime } = await startProject(FILES);
    expect(runtime.dashboardUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/websockets\/v4\/\?token=[A-Za-z0-9_-]{22}$/);
    const page = await fetch(runtime.dashboardUrl!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<title>aerostat dashboard</title>");
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    const script = await fetch(`${runtime.url}/websockets/v4/dashboard.js`);
    expect(script.headers.get("content-type")).toMatch(/^text\/javascript/);
  });

  it("pushes endpoints, sessions, traffic and handler errors with file:line, without being asked", async () => {
    const { runtime, url } = await startProject(FILES);
    const { ws, state } = await watch(runtime);
    await waitUntil(() => state.latest, 3000, "first snapshot");
    expect(state.latest!.endpoints).toEqual([
      expect.objectContaining({ endpoint: "echo", descriptor: "p/echo.websocket", handler: "p/echo.js", sessions: 0, url: url("echo") }),
    ]);

    const c = await TestClient.connect(url("echo"));
    for (let i = 0; i < 5; i++) await c.ask(`m${i}`);
    c.send("fail");
    await waitUntil(() => state.latest!.errors.length > 0 && state.latest, 5000, "an error in a snapshot");
    const echo = state.latest!.endpoints[0]!;
    expect(echo.sessions).toBe(1);
    expect(echo.sessionIds).toHaveLength(1);
    expect(state.latest!.errors[0]).toMatchObject({
      at: "p/echo.js:1:54",
      message: "onMessage threw Error: asked to fail",
      endpoint: "echo",
      session: echo.sessionIds[0],
    });
    // Per-second counts appear once their second is over.
    await waitUntil(
      () => {
        const t = state.latest!.traffic;
        return t.in.reduce((a, b) => a + b, 0) === 6 && t.out.reduce((a, b) => a + b, 0) === 5;
      },
      5000,
      "6 in and 5 out in the traffic series",
    );
    expect(state.latest!.traffic.in).toHaveLength(59);
    expect(state.count).toBeGreaterThan(1);
    ws.close();
  });

  it("counts a broadcast once per session it reaches", async () => {
    const { runtime, url } = await startProject({
      "p/all.js": "exports.onMessage = (m) => require('net/v4/websockets').broadcast(m, { endpoint: 'all' });",
      "p/all.websocket": descriptor("all", "p/all"),
    });
    const { state } = await watch(runtime);
    const clients = await Promise.all([1, 2, 3].map(() => TestClient.connect(url("all"))));
    clients[0]!.send("to everyone");
    await Promise.all(clients.map((c) => c.received(1)));
    const total = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
    await waitUntil(() => state.latest && total(state.latest.traffic.out) === 3, 5000, "3 frames out");
    expect(total(state.latest!.traffic.in)).toBe(1);
  });

  it("lists file problems among the errors", async () => {
    const { runtime, project } = await startProject(FILES);
    const { state } = await watch(runtime);
    await project.write("p/bad.websocket", '{ "handler": "p/echo", "endpoint": 5 }');
    await waitUntil(() => state.latest?.errors.find((e) => e.code === "AEROSTAT_DESCRIPTOR_FIELD"), 5000, "descriptor error");
    expect(state.latest!.errors[0]!.at).toMatch(/^p\/bad\.websocket:1:\d+$/);
  });

  it("lists CPU-limit stops, tagged in the log like every handler line", async () => {
    const { runtime, url, logs } = await startProject(
      { "p/spin.js": "exports.onMessage = () => { for (;;) {} };", "p/spin.websocket": descriptor("spin", "p/spin") },
      { cpuLimitMs: 200 },
    );
    const { state } = await watch(runtime);
    const c = await TestClient.connect(url("spin"));
    c.send("go");
    const stop = await waitUntil(() => state.latest?.errors[0], 5000, "a CPU stop on the dashboard");
    expect(stop).toMatchObject({ at: expect.stringMatching(/^p\/spin\.js:1:\d+$/), message: "onMessage ran past the CPU limit of 200 ms and was stopped", endpoint: "spin" });
    const line = await logs.waitFor((l) => l.msg.includes("ran past the CPU limit"));
    expect(line).toMatchObject({ project: "p", handler: "p/spin.js", endpoint: "spin", session: stop.session, method: "onMessage" });
  });

  it("lists outgoing clients with their URI, handler and state", async () => {
    const { runtime, url } = await startProject({
      ...FILES,
      "p/dial.js": `const ws = require("net/v4/websockets");
exports.onMessage = (m) => { ws.createWebsocket(m, "p/peer"); return "dialled"; };`,
      "p/dial.websocket": descriptor("dial", "p/dial"),
      "p/peer.js": "exports.onOpen = () => {};",
    });
    const { state } = await watch(runtime);
    const c = await TestClient.connect(url("dial"));
    expect(await c.ask(url("echo"))).toBe("dialled");
    const client = await waitUntil(() => state.latest?.clients.find((x) => x.readyState === 1), 5000, "an open client");
    expect(client).toMatchObject({ id: "c1", uri: url("echo"), handler: "p/peer" });
    await waitUntil(() => state.latest?.endpoints.find((e) => e.endpoint === "echo")?.sessions === 1, 5000, "its session on echo");
  });

  it("refuses other sites and other host names, so a web page cannot read it", async () => {
    const { runtime } = await startProject(FILES);
    const port = new URL(runtime.url).port;
    const crossSite = await refusalWith(socketUrl(runtime), { Origin: "https://evil.example" });
    expect(crossSite.status).toBe(403);
    expect(crossSite.body).toMatch(/Origin https:\/\/evil\.example may not watch the dashboard/);
    // A rebound DNS name pointing at 127.0.0.1 still sends its own Host.
    const rebound = await get(runtime.dashboardUrl!, { Host: `evil.example:${port}` });
    expect(rebound.status).toBe(403);
    expect(rebound.body).toMatch(/only shown to this machine.*--dashboard anywhere/s);
    const sameSite = await watch(runtime, { Origin: runtime.url });
    sameSite.ws.close();
  });

  it("needs the per-run token on its page and its socket, and says where to find the URL", async () => {
    const { runtime } = await startProject(FILES);
    const base = `${runtime.url}/websockets/v4/`;
    for (const url of [base, `${base}?token=`, `${base}?token=AAAAAAAAAAAAAAAAAAAAAA`]) {
      const page = await fetch(url);
      expect(page.status).toBe(403);
      expect(await page.text()).toMatch(/needs its token.*banner/s);
    }
    for (const token of [undefined, "", "AAAAAAAAAAAAAAAAAAAAAA"]) {
      const url = token === undefined ? `${runtime.url.replace(/^http/, "ws")}/websockets/v4/dashboard` : socketUrl(runtime, token);
      const refused = await refusalWith(url, {});
      expect(refused.status).toBe(403);
      expect(refused.body).toMatch(/needs its token/);
    }
    // The script is public code and carries no data.
    expect((await fetch(`${base}dashboard.js`)).status).toBe(200);
  });

  it("takes its token from the dashboardToken option", async () => {
    const { runtime } = await startProject(FILES, { dashboardToken: "a-token-the-operator-chose" });
    expect(runtime.dashboardUrl).toBe(`${runtime.url}/websockets/v4/?token=a-token-the-operator-chose`);
    expect((await fetch(runtime.dashboardUrl!)).status).toBe(200);
    (await watch(runtime)).ws.close();
  });

  it("is gone when turned off", async () => {
    const { runtime } = await startProject(FILES, { dashboard: "off" });
    expect(runtime.dashboardUrl).toBeUndefined();
    const page = await fetch(`${runtime.url}/websockets/v4/`);
    expect(page.status).toBe(404);
    expect(await page.text()).toMatch(/turned off/);
    expect((await refusal(runtime.url.replace(/^http/, "ws") + "/websockets/v4/dashboard")).status).toBe(404);
  });
});

/** A GET with headers fetch() will not send (Host). */
function get(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

function refusalWith(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on("open", () => reject(new Error("handshake accepted")));
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on("error", () => undefined);
  });
}
