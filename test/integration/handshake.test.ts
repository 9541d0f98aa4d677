import { describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { refusal, TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject } from "../helpers/runtime.js";

/** A handler that signs users in from the handshake: ?token=… or a cookie. */
const SIGN_IN = `exports.onHandshake = (request) => {
  const token = request.query.token ?? (request.headers.cookie ?? "").replace(/^.*token=([^;]*).*$/, "$1");
  if (token === "spin") for (;;) {}
  if (token === "banned") return false;
  if (token !== "ada-secret" && token !== "bob-secret") throw Object.assign(new Error("unknown token"), { status: 401 });
  return { user: token.split("-")[0] };
};
exports.onOpen = (c) => c.send("hello " + c.data.user + " from " + c.request.remoteAddress + " via " + c.request.path);
exports.onMessage = (m, c) => JSON.stringify({ user: c.data.user, query: c.request.query, cookie: c.request.headers.cookie ?? null, key: c.request.headers["sec-websocket-key"] ?? null });`;

describe("who is connecting", () => {
  it("lets onHandshake accept with the connection's first data, or refuse with 401 or 403 and its reason", async () => {
    const { url, logs } = await startProject({ "p/h.js": SIGN_IN, "p/h.websocket": descriptor("h", "p/h") }, { cpuLimitMs: 200 });
    const ada = await TestClient.connect(`${url("h")}?token=ada-secret&room=red`);
    expect((await ada.received(1))[0]).toBe("hello ada from 127.0.0.1 via /websockets/v4/service/h");
    expect(JSON.parse(String(await ada.ask("who")))).toEqual({ user: "ada", query: { token: "ada-secret", room: "red" }, cookie: null, key: null });

    const bob = new WebSocket(url("h"), { headers: { cookie: "theme=dark; token=bob-secret" } });
    const bobSays = await new Promise<string>((resolve) => bob.once("message", (d) => resolve(String(d))));
    expect(bobSays).toMatch(/^hello bob /);
    bob.close();

    expect(await refusal(`${url("h")}?token=wrong`)).toEqual({ status: 401, body: 'Endpoint "h" refused the connection: unknown token\n' });
    expect(await refusal(`${url("h")}?token=banned`)).toEqual({ status: 403, body: 'Endpoint "h" refused the connection: onHandshake returned false\n' });
    const stopped = await refusal(`${url("h")}?token=spin`);
    expect(stopped.status).toBe(503);
    expect(stopped.body).toContain("ran past the CPU limit of 200 ms");
    await logs.waitFor((l) => l.status === 401 && /refused a handshake: Endpoint "h" refused the connection: unknown token/.test(l.msg));
    // The endpoint still serves.
    expect((await (await TestClient.connect(`${url("h")}?token=ada-secret`)).received(1))[0]).toMatch(/^hello ada/);
  });

  it("checks the endpoint again once a slow onHandshake has answered: maxSessions holds however many hooks ran at once", async () => {
    const SLOW = `exports.onHandshake = () => new Promise((resolve) => setTimeout(() => resolve({ ok: true }), 300));
exports.onOpen = (c) => c.send("in");`;
    const { url } = await startProject({ "p/s.js": SLOW, "p/s.websocket": descriptor("s", "p/s", { maxSessions: 1 }) });
    // Both handshakes pass the first check while no session is open; their hooks answer later.
    const outcomes = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<string>((resolve) => {
            const ws = new WebSocket(url("s"));
            ws.once("message", (d) => resolve(String(d)));
            ws.once("unexpected-response", (_req, res) => resolve(String(res.statusCode)));
          }),
      ),
    );
    expect(outcomes.sort()).toEqual(["503", "in"]);
  });

  it("gives every session its request, with or without onHandshake", async () => {
    const { url } = await startProject({
      "p/h.js": `exports.onMessage = (m, c) => [c.request.path, c.request.query.x, typeof c.request.headers.host, Object.isFrozen(c.request.headers)].join(" ");`,
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const c = await TestClient.connect(`${url("h")}?x=1`);
    expect(await c.ask("?")).toBe("/websockets/v4/service/h 1 string true");
  });
});
