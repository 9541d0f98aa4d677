import http from "node:http";
import { describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import type { DashboardSnapshot } from "../../src/dashboard/snapshot.js";
import type { Runtime } from "../../src/index.js";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil } from "../helpers/runtime.js";

const FILES = {
  "p/echo.js": `exports.onMessage = (m, c) => {
      if (m === 'fail') throw new Error('asked to fail');
      if (m.startsWith('keep ')) { c.data = { kept: m.slice(5) }; return 'kept'; }
      return 'echo: ' + m;
    };
    exports.onClose = (c, { code, reason }) => console.log('closed ' + c.id + ' ' + code + ' ' + reason);`,
  "p/echo.websocket": descriptor("echo", "p/echo"),
};

function tokenOf(runtime: Runtime): string {
  return new URL(runtime.dashboardUrl!).searchParams.get("token")!;
}

/** The dashboard's live socket; `latest` is the newest snapshot, `all` every one. */
async function watch(runtime: Runtime) {
  const url = runtime.dashboardUrl!.replace(/^http/, "ws").replace("/websockets/v4/?", "/websockets/v4/dashboard?");
  const ws = new WebSocket(url);
  const state: { latest?: DashboardSnapshot; all: DashboardSnapshot[] } = { all: [] };
  ws.on("message", (data) => {
    state.latest = JSON.parse(data.toString()) as DashboardSnapshot;
    state.all.push(state.latest);
  });
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  await waitUntil(() => state.latest, 3000, "first snapshot");
  return { ws, state };
}

interface Answer {
  status: number;
  body: string;
}

/** A POST with any headers (fetch() will not send Host or Sec-Fetch-Site). */
function post(runtime: Runtime, action: string, body: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${runtime.url}/websockets/v4/dashboard/${action}`,
      { method: "POST", headers: { "Content-Type": "application/json", ...headers } },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("dashboard actions", () => {
  it("clears the error list for every open page, with the token and from the same origin only", async () => {
    const { runtime, url } = await startProject(FILES);
    const a = await watch(runtime);
    const b = await watch(runtime);
    const c = await TestClient.connect(url("echo"));
    c.send("fail");
    await waitUntil(() => a.state.latest!.errors.length === 1 && b.state.latest!.errors.length === 1, 5000, "the error on both pages");
    const token = tokenOf(runtime);

    const refusals: [Answer, number, RegExp][] = [
      [await post(runtime, "clear-errors", "{}"), 403, /needs its token/],
      [await post(runtime, "clear-errors", JSON.stringify({ token: "AAAAAAAAAAAAAAAAAAAAAA" })), 403, /needs its token/],
      [await post(runtime, "clear-errors", JSON.stringify({ token }), { Origin: "https://evil.example" }), 403, /evil\.example may not act/],
      [await post(runtime, "clear-errors", JSON.stringify({ token }), { "Sec-Fetch-Site": "cross-site" }), 403, /another site \(cross-site\)/],
      // A form or a "simple" fetch from another site cannot send JSON.
      [await post(runtime, "clear-errors", JSON.stringify({ token }), { "Content-Type": "text/plain" }), 415, /Content-Type: application\/json/],
      [await post(runtime, "clear-errors", "not json"), 400, /not JSON/],
      [await post(runtime, "clear-errors", JSON.stringify({ token, pad: "x".repeat(2000) })), 413, /at most 1024 bytes/],
    ];
    for (const [answer, status, reason] of refusals) {
      expect(answer.status).toBe(status);
      expect(answer.body).toMatch(reason);
    }
    // Refused: the list is still there a push later.
    const count = a.state.all.length;
    await waitUntil(() => a.state.all.length > count, 3000, "a later snapshot");
    expect(a.state.latest!.errors).toHaveLength(1);

    const cleared = await post(runtime, "clear-errors", JSON.stringify({ token }), { Origin: runtime.url, "Sec-Fetch-Site": "same-origin" });
    expect(cleared).toMatchObject({ status: 200 });
    expect(JSON.parse(cleared.body)).toEqual({ cleared: 1 });
    await waitUntil(() => a.state.latest!.errors.length === 0 && b.state.latest!.errors.length === 0, 3000, "both pages cleared");
    a.ws.close();
    b.ws.close();
  });

  it("closes a session with 1008 and a reason: onClose sees it, the log says so; only with the token, same-origin, from this machine", async () => {
    const { runtime, url, logs } = await startProject(FILES, { dashboard: "anywhere" });
    const c = await TestClient.connect(url("echo"));
    const { state, ws } = await watch(runtime);
    const id = await waitUntil(() => state.latest!.endpoints[0]!.sessionIds[0], 3000, "the session listed");
    const token = tokenOf(runtime);
    const body = JSON.stringify({ token, session: id });
    const port = new URL(runtime.url).port;

    const refused: [Answer, number, RegExp][] = [
      [await post(runtime, "close-session", JSON.stringify({ session: id })), 403, /needs its token/],
      [await post(runtime, "close-session", body, { Origin: "http://evil.example" }), 403, /may not act on the dashboard/],
      [await post(runtime, "close-session", body, { "Sec-Fetch-Site": "same-site" }), 403, /may not act on the dashboard/],
      // Shown to other machines (--dashboard anywhere), but closing is for this one only.
      [await post(runtime, "close-session", body, { Host: `dashboard.example:${port}` }), 403, /only taken from this machine/],
      [await post(runtime, "close-session", JSON.stringify({ token })), 400, /Say which session/],
      [await post(runtime, "close-session", JSON.stringify({ token, session: "s999" })), 404, /No open session s999/],
    ];
    for (const [answer, status, reason] of refused) {
      expect(answer.status).toBe(status);
      expect(answer.body).toMatch(reason);
    }
    expect(await c.ask("still here")).toBe("echo: still here");

    const closed = await post(runtime, "close-session", body, { Origin: runtime.url });
    expect(closed.status).toBe(200);
    expect(JSON.parse(closed.body)).toEqual({ closed: id, endpoint: "echo" });
    expect(await c.closed).toEqual({ code: 1008, reason: "closed from the dashboard" });
    await logs.waitFor((l) => l.msg === `closed ${id} 1008 closed from the dashboard`);
    expect(await logs.waitFor((l) => l.msg.startsWith("dashboard: closed session"))).toMatchObject({
      msg: `dashboard: closed session ${id} on echo`,
      session: id,
      endpoint: "echo",
      code: 1008,
    });
    await waitUntil(() => state.latest!.endpoints[0]!.sessions === 0, 3000, "the session gone from the page");
    ws.close();
  });

  it("shows messages in and out per second for each endpoint", async () => {
    const { runtime, url } = await startProject({
      ...FILES,
      "p/quiet.js": "exports.onMessage = () => {};",
      "p/quiet.websocket": descriptor("quiet", "p/quiet"),
    });
    const { state, ws } = await watch(runtime);
    const c = await TestClient.connect(url("echo"));
    const endpoint = (name: string) => state.latest!.endpoints.find((e) => e.endpoint === name)!;
    // Keep traffic going until a push shows it: about 20 each way a second.
    let sending = true;
    const pump = (async () => {
      while (sending) {
        await c.ask("tick");
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const rates = await waitUntil(() => endpoint("echo").rates.in > 0 && endpoint("echo").rates, 6000, "a rate on echo");
    sending = false;
    await pump;
    expect(rates.in).toBeGreaterThan(2);
    expect(rates.in).toBeLessThan(40);
    expect(rates.out).toBeGreaterThan(2);
    expect(endpoint("quiet").rates).toEqual({ in: 0, out: 0 });
    // With the traffic stopped, the rate falls back to 0.
    await waitUntil(() => endpoint("echo").rates.in === 0 && endpoint("echo").rates.out === 0, 5000, "echo quiet again");
    ws.close();
  });

  it("details the sessions of the endpoint a page asks for: id, age, origin, address, bytes, data size; the first 50", async () => {
    const { runtime, url } = await startProject(FILES);
    // The endpoint takes only its own origin (no allowedOrigins in the descriptor).
    const origin = runtime.url;
    const first = new WebSocket(url("echo"), { headers: { Origin: origin } });
    await new Promise((resolve, reject) => first.once("open", resolve).once("error", reject));
    const c = await TestClient.connect(url("echo"));
    expect(await c.ask("keep abc")).toBe("kept");
    expect(await c.ask("hello")).toBe("echo: hello");
    const { state, ws } = await watch(runtime);
    expect(state.latest!.details).toBeNull();

    ws.send(JSON.stringify({ show: "echo" }));
    const details = await waitUntil(() => state.latest!.details ?? undefined, 3000, "details of echo");
    expect(details.endpoint).toBe("echo");
    expect(details.total).toBe(2);
    const [a, b] = details.sessions;
    expect(a).toMatchObject({ origin, remoteAddress: "127.0.0.1", bytesIn: 0, bytesOut: 0, dataBytes: 4 });
    expect(b).toMatchObject({ origin: "", remoteAddress: "127.0.0.1", bytesIn: 13, bytesOut: 15, dataBytes: '{"kept":"abc"}'.length });
    expect(b!.id).toMatch(/^s\d+$/);
    expect(b!.ageMs).toBeGreaterThanOrEqual(0);
    expect(b!.ageMs).toBeLessThan(10_000);
    expect(b!.openedAt).toBeLessThanOrEqual(Date.now());

    // Many sessions: the first 50 are detailed, the total says how many.
    const more = await Promise.all(Array.from({ length: 55 }, () => TestClient.connect(url("echo"))));
    await waitUntil(() => state.latest!.details?.total === 57 && state.latest, 5000, "57 sessions");
    expect(state.latest!.details!.sessions).toHaveLength(50);

    ws.send(JSON.stringify({ show: null }));
    await waitUntil(() => state.latest!.details === null, 3000, "details closed");
    for (const m of more) m.close();
    first.close();
    ws.close();
  });

  it("closes a page's socket that sends what it should not, saying what to send", async () => {
    const { runtime } = await startProject(FILES);
    for (const frame of ["not json", JSON.stringify({ show: 5 }), JSON.stringify({ show: "x".repeat(300) })]) {
      const { ws } = await watch(runtime);
      const closed = new Promise<[number, string]>((resolve) => ws.once("close", (code, reason) => resolve([code, reason.toString()])));
      ws.send(frame);
      const [code, reason] = await closed;
      expect(code).toBe(1008);
      expect(reason).toMatch(/"show"/);
    }
  });

  it("tails the log: the newest 200 lines, messages cut to 400 characters and lines to 600, levels kept, sent once to each page", async () => {
    const { runtime, url } = await startProject({
      "p/chatty.js": `exports.onMessage = (m) => {
          if (m === 'long') { console.warn('L'.repeat(5000)); return 'ok'; }
          if (m === 'one') { console.error('just one'); return 'ok'; }
          for (let i = 0; i < 300; i++) console.log('line ' + i);
          return 'logged';
        };`,
      "p/chatty.websocket": descriptor("chatty", "p/chatty"),
    });
    const c = await TestClient.connect(url("chatty"));
    expect(await c.ask("many")).toBe("logged");
    expect(await c.ask("long")).toBe("ok");
    const { state, ws } = await watch(runtime);
    const tail = state.latest!.log!;
    expect(tail).toHaveLength(200);
    const long = tail.at(-1)!;
    expect(long.level).toBe("warn");
    expect(long.text).toMatch(/^L{400}… \(4600 more characters\) /);
    expect(long.text.length).toBeLessThan(700);
    expect(tail.at(-2)).toMatchObject({ level: "info" });
    expect(tail.at(-2)!.text).toMatch(/^line 299 .*handler=p\/chatty\.js.*endpoint=chatty/);
    expect(tail.map((l) => l.seq)).toEqual([...tail.map((l) => l.seq)].sort((x, y) => x - y));
    // Later pushes carry only new lines.
    const count = state.all.length;
    await waitUntil(() => state.all.length > count, 3000, "a second snapshot");
    expect(state.latest!.log).toEqual([]);
    expect(await c.ask("one")).toBe("ok");
    const withLines = () => state.all.slice(count).filter((s) => s.log!.length > 0);
    const pushes = await waitUntil(() => withLines().length > 0 && withLines(), 3000, "a push with the new line");
    expect(pushes.flatMap((s) => s.log!).map((l) => [l.level, l.text.split("  ")[0]])).toEqual([["error", "just one"]]);
    // The token never appears in the log.
    await post(runtime, "clear-errors", JSON.stringify({ token: tokenOf(runtime) }));
    const { state: again, ws: ws2 } = await watch(runtime);
    expect(again.latest!.log!.some((l) => l.text.includes("dashboard: cleared"))).toBe(true);
    expect(JSON.stringify(again.latest!.log)).not.toContain(tokenOf(runtime));
    ws.close();
    ws2.close();
  });
});
