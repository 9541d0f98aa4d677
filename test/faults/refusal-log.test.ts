import { describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { refusal, TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil } from "../helpers/runtime.js";

describe("refused handshakes in the log", () => {
  it("cannot be used to flood the log by knocking at made-up endpoint names", async () => {
    const { url, logs } = await startProject({
      "p/h.js": "exports.onMessage = (m) => m;",
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const knocks = 200;
    for (let i = 0; i < knocks; i += 20) {
      await Promise.all(Array.from({ length: 20 }, (_, j) => refusal(url(`made-up-${i + j}`))));
    }
    const refused = () => logs.lines.filter((l) => /^refused a handshake/.test(l.msg));
    const dropped = () => logs.lines.filter((l) => /more refused handshakes \(\(no such endpoint\)\) were not logged/.test(l.msg));
    // Every knock is logged or counted, in a handful of lines.
    await waitUntil(() => refused().length + dropped().reduce((n, l) => n + Number(l.dropped), 0) === knocks, 5000, "every knock logged or counted");
    expect(refused().length + dropped().length).toBeLessThan(30);
  });

  it("cannot be flooded by requests to script services that are refused", async () => {
    const { runtime, logs } = await startProject({ "p/s.js": `require("http/v4/response").print("ran");` });
    const knocks = 200;
    for (let i = 0; i < knocks; i += 20) {
      await Promise.all(Array.from({ length: 20 }, () => fetch(`${runtime.url}/services/js/p/missing-${i}.js`).then((r) => r.text())));
    }
    const refused = () => logs.lines.filter((l) => /^script service request refused/.test(l.msg));
    const dropped = () => logs.lines.filter((l) => /more refused script service requests \(404\) were not logged/.test(l.msg));
    await waitUntil(() => refused().length + dropped().reduce((n, l) => n + Number(l.dropped), 0) === knocks, 5000, "every refusal logged or counted");
    expect(refused().length + dropped().length).toBeLessThan(30);
  });
});

/** A handshake with an Origin header; resolves to the refusal's status and Aerostat-Refusal header. */
function knock(url: string, headers: Record<string, string>): Promise<{ status: number; header: string | undefined }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on("open", () => {
      ws.close();
      reject(new Error(`handshake to ${url} was accepted`));
    });
    ws.on("unexpected-response", (_req, res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, header: res.headers["aerostat-refusal"] as string | undefined });
    });
    ws.on("error", () => undefined);
  });
}

describe("every kind of refused handshake", () => {
  it("is logged with its status, endpoint, origin and reason, and tells the reason in a header", async () => {
    const app = { allowedOrigins: ["https://app.example"] };
    const { url, logs, runtime } = await startProject({
      "p/open.js": "exports.onMessage = (m) => m;",
      "p/open.websocket": descriptor("open", "p/open", { allowedOrigins: ["https://ok.example"] }),
      "p/gate.js": "exports.onHandshake = () => { const e = new Error('sign in first'); e.status = 401; throw e; };",
      "p/gate.websocket": descriptor("gate", "p/gate", app),
      "p/no.js": "exports.onHandshake = () => false;",
      "p/no.websocket": descriptor("no", "p/no", app),
      "p/full.js": "exports.onMessage = (m) => m;",
      "p/full.websocket": descriptor("full", "p/full", { maxSessions: 1, ...app }),
      "p/broken.js": "exports.onMessage = (m) => {",
      "p/broken.websocket": descriptor("broken", "p/broken", app),
    });
    const holder = await TestClient.connect(url("full"));
    const origin = { Origin: "https://app.example" };
    const cases: [string, Record<string, string>, number, string, RegExp][] = [
      [url("missing"), origin, 404, "missing", /No endpoint "missing" is mounted/],
      [url("open"), { ...origin, Host: "evil.example" }, 403, "open", /Host "evil.example" is not a name of this server/],
      [url("open"), origin, 403, "open", /Origin https:\/\/app.example may not connect to "open"/],
      [url("gate"), origin, 401, "gate", /refused the connection: sign in first/],
      [url("no"), origin, 403, "no", /onHandshake returned false/],
      [url("full"), origin, 503, "full", /maximum of 1 sessions/],
      [url("broken"), origin, 503, "broken", /cannot serve/],
    ];
    for (const [target, headers, status, endpoint, reason] of cases) {
      const before = logs.lines.length;
      const answer = await knock(target, headers);
      expect(answer.status).toBe(status);
      expect(decodeURIComponent(answer.header ?? "")).toMatch(reason);
      const line = await waitUntil(() => logs.lines.slice(before).find((l) => /^refused a handshake/.test(l.msg)), 5000, `${endpoint} logged`);
      expect(line).toMatchObject({ status, endpoint, origin: "https://app.example" });
      expect(String(line.reason)).toMatch(reason);
    }
    holder.close();
    // Shutting down: the last kind (the listener still answers while open sessions close).
    const lingering = await TestClient.connect(url("open"));
    const before = logs.lines.length;
    const closing = runtime.close(2000);
    const late = await knock(url("open"), origin);
    expect(late.status).toBe(503);
    expect(decodeURIComponent(late.header ?? "")).toMatch(/shutting down/);
    expect(logs.lines.slice(before).find((l) => /^refused a handshake/.test(l.msg))).toMatchObject({ status: 503, endpoint: "open", origin: "https://app.example" });
    lingering.close();
    await closing;
  });

  it("is logged at most a few times a second per endpoint, and what was left out is counted", async () => {
    const { url, logs } = await startProject({
      "p/no.js": "exports.onHandshake = () => false;",
      "p/no.websocket": descriptor("no", "p/no"),
    });
    const knocks = 40;
    await Promise.all(Array.from({ length: knocks }, () => knock(url("no"), { Origin: "https://app.example" })));
    const refused = () => logs.lines.filter((l) => /^refused a handshake/.test(l.msg) && l.endpoint === "no");
    const dropped = () => logs.lines.filter((l) => /more refused handshakes \(no\) were not logged/.test(l.msg));
    await waitUntil(() => refused().length + dropped().reduce((n, l) => n + Number(l.dropped), 0) === knocks, 5000, "every refusal logged or counted");
    expect(refused().length).toBeLessThanOrEqual(6);
    expect(dropped()[0]).toMatchObject({ endpoint: "no", origin: "https://app.example", status: 403 });
  });
});
