import { request as httpRequest } from "node:http";
import { Client, type IMessage } from "@stomp/stompjs";
import SockJS from "sockjs-client";
import { WebSocket } from "ws";
import { afterEach, describe, expect, it } from "vitest";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil } from "../helpers/runtime.js";

/** A handler as Dirigible's test project writes it (ES module, onMessage(message, from)). */
const TEST_HANDLER = `export function onOpen() { console.log("Connection openned."); }
export function onMessage(message, from) {
  console.log("Message received: " + message + ", from: " + from);
  if (message === "fail") throw new Error("cannot answer " + message);
  return "Hello from WebSocket! [" + message + "]";
}
export function onError(error) { console.error("Error: " + error); }
export function onClose() { console.warn("Connection closed."); }
`;

const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.deactivate();
});

/** A connected STOMP client (the maintained @stomp/stompjs) over SockJS (sockjs-client) or SockJS's raw WebSocket. */
async function connect(
  base: string,
  how: "sockjs" | "raw",
  prefix = "/stomp",
  origin?: string,
): Promise<{ client: Client; replies: IMessage[]; errors: IMessage[] }> {
  const replies: IMessage[] = [];
  const errors: IMessage[] = [];
  const client = new Client({
    webSocketFactory: () => (how === "sockjs" ? new SockJS(`${base}${prefix}`, null, { transports: ["websocket"] }) : new WebSocket(`${base.replace(/^http/, "ws")}${prefix}/websocket`, origin ? { origin } : {})),
    reconnectDelay: 0,
    heartbeatIncoming: 10_000,
    heartbeatOutgoing: 10_000,
  });
  clients.push(client);
  await new Promise<void>((resolve, reject) => {
    client.onConnect = () => resolve();
    client.onStompError = (frame) => reject(new Error(frame.headers["message"]));
    client.onWebSocketError = (e) => reject(new Error(String((e as { message?: string })?.message ?? e)));
    client.activate();
  });
  return { client, replies, errors };
}

describe("Dirigible 7+ pages: SockJS + STOMP", () => {
  it("runs onMessage(text, from) for a SEND and answers only that session's reply queue with {from, text, time}", async () => {
    const { runtime, logs } = await startProject({
      "test-project/websockets/test-handler.mjs": TEST_HANDLER,
      "test-project/websockets/test.websocket": descriptor("test-websocket", "/test-project/websockets/test-handler.mjs"),
    });
    const a = await connect(runtime.url, "sockjs");
    const b = await connect(runtime.url, "raw");
    for (const s of [a, b]) {
      s.client.subscribe("/user/queue/reply/test-websocket", (m) => s.replies.push(m));
      s.client.subscribe("/user/queue/errors/test-websocket", (m) => s.errors.push(m));
    }
    a.client.publish({ destination: "/ws/stomp/test-websocket", body: JSON.stringify({ from: "ada", text: "hi" }) });
    await waitUntil(() => a.replies.length === 1, 5000, "the reply");
    const reply = JSON.parse(a.replies[0]!.body) as { from: string; text: string; time: string };
    expect(reply).toEqual({ from: "ada", text: "Hello from WebSocket! [hi]", time: expect.stringMatching(/^\d\d:\d\d$/) });
    expect(a.replies[0]!.headers["content-type"]).toBe("application/json");
    expect(logs.lines.some((l) => l.msg === "Message received: hi, from: ada")).toBe(true);

    // The other destinations Dirigible versions use reach the same handler; b's answers stay b's.
    b.client.publish({ destination: "/app/stomp/test-websocket", body: JSON.stringify({ from: "bob", text: "yo" }) });
    b.client.publish({ destination: "/ws/js/test-websocket", body: "plain text" });
    await waitUntil(() => b.replies.length === 2, 5000, "b's replies");
    expect(b.replies.map((m) => JSON.parse(m.body).text)).toEqual(["Hello from WebSocket! [yo]", "Hello from WebSocket! [plain text]"]);
    expect(JSON.parse(b.replies[1]!.body).from).toMatch(/^stomp\d+$/);
    expect(a.replies).toHaveLength(1);

    // What the handler threw goes to the errors queue, as text.
    a.client.publish({ destination: "/ws/stomp/test-websocket", body: JSON.stringify({ from: "ada", text: "fail" }) });
    await waitUntil(() => a.errors.length === 1, 5000, "the error");
    expect(a.errors[0]!.body).toBe("cannot answer fail");
    expect(a.replies).toHaveLength(1);
  });

  it("runs a handler written the Dirigible way (top-level code) for each message, in that message's context", async () => {
    const { runtime, logs } = await startProject({
      "p/legacy.js": `var websockets = require("net/websockets");
        if (websockets.isOnMessage()) console.log("legacy got " + websockets.getMessage() + " in " + websockets.getMethod());`,
      "p/legacy.websocket": descriptor("legacy", "p/legacy"),
    });
    const s = await connect(runtime.url, "raw");
    s.client.subscribe("/user/queue/reply/legacy", (m) => s.replies.push(m));
    s.client.publish({ destination: "/ws/stomp/legacy", body: JSON.stringify({ from: "ada", text: "hi" }) });
    await waitUntil(() => s.replies.length === 1, 5000, "the reply");
    expect(JSON.parse(s.replies[0]!.body)).toMatchObject({ from: "ada", text: "" });
    expect(logs.lines.map((l) => l.msg)).toContain("legacy got hi in onmessage");
  });

  it("tells the errors queue about an unknown endpoint, and ends a session that breaks the protocol with ERROR", async () => {
    const { runtime } = await startProject({
      "p/h.mjs": TEST_HANDLER,
      "p/h.websocket": descriptor("known", "p/h.mjs"),
    });
    const s = await connect(runtime.url, "raw", "/js");
    s.client.subscribe("/user/queue/errors/nowhere", (m) => s.errors.push(m));
    s.client.publish({ destination: "/ws/stomp/nowhere", body: "x" });
    await waitUntil(() => s.errors.length === 1, 5000, "the error");
    expect(s.errors[0]!.body).toBe('No endpoint "nowhere" is mounted.');

    const raw = new WebSocket(`${runtime.url.replace(/^http/, "ws")}/stomp/websocket`);
    const got: string[] = [];
    raw.on("message", (d) => got.push(String(d)));
    await new Promise((r) => raw.once("open", r));
    raw.send("SEND\ndestination:/ws/stomp/known\n\nbefore connect\0");
    await new Promise((r) => raw.once("close", r));
    expect(got.join("")).toMatch(/^ERROR\n(.*\n)*message:the first frame must be CONNECT, not SEND\n/);

    const v12 = new WebSocket(`${runtime.url.replace(/^http/, "ws")}/stomp/websocket`);
    const frames: string[] = [];
    v12.on("message", (d) => frames.push(String(d)));
    await new Promise((r) => v12.once("open", r));
    v12.send("CONNECT\naccept-version:1.1,1.2\nheart-beat:0,0\n\n\0");
    await waitUntil(() => frames.length > 0, 5000, "CONNECTED");
    expect(frames[0]).toMatch(/^CONNECTED\nversion:1\.2\nheart-beat:10000,10000\n/);
    v12.close();
  });

  it("checks the page's origin against the endpoint's allowedOrigins when it sends", async () => {
    const { runtime } = await startProject({
      "p/h.mjs": TEST_HANDLER,
      "p/open.websocket": descriptor("open", "p/h.mjs", { allowedOrigins: ["http://app.example"] }),
      "p/closed.websocket": descriptor("closed", "p/h.mjs"),
    });
    const s = await connect(runtime.url, "raw", "/stomp", "http://app.example");
    for (const e of ["open", "closed"]) {
      s.client.subscribe(`/user/queue/reply/${e}`, (m) => s.replies.push(m));
      s.client.subscribe(`/user/queue/errors/${e}`, (m) => s.errors.push(m));
      s.client.publish({ destination: `/ws/stomp/${e}`, body: "hi" });
    }
    await waitUntil(() => s.replies.length === 1 && s.errors.length === 1, 5000, "both answers");
    expect(JSON.parse(s.replies[0]!.body).text).toBe("Hello from WebSocket! [hi]");
    expect(s.errors[0]!.body).toContain(`may not send to "closed"`);
  });

  it("leaves paths that are not SockJS's to the static files, and refuses a Host that does not name the server", async () => {
    const { runtime } = await startProject({ "public/js/app.js": "console.log('app');" });
    const app = await fetch(`${runtime.url}/js/app.js`);
    expect(await app.text()).toBe("console.log('app');");
    // JSONP and htmlfile load through <script> and <iframe>, which say no Origin: not served.
    expect((await fetch(`${runtime.url}/stomp/000/abcd/jsonp?c=cb`)).status).toBe(404);
    expect((await fetch(`${runtime.url}/stomp/000/abcd/htmlfile?c=cb`)).status).toBe(404);
    const info = await fetch(`${runtime.url}/stomp/info`);
    expect(((await info.json()) as { websocket: boolean }).websocket).toBe(true);
    const sockjs = await fetch(`${runtime.url}/websockets/v4/vendor/sockjs.min.js`);
    expect(sockjs.status).toBe(200);
    const stomp = await fetch(`${runtime.url}/websockets/v4/vendor/stomp.min.js`);
    expect(await stomp.text()).toContain("g.Stomp = g.StompJs.Stomp");
    const foreign = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${runtime.url}/stomp/info`, { headers: { host: "evil.example" } }, (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (d: string) => (body += d)).on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject).end();
    });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toContain("--allowed-hosts");
  });
});
