import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { refusal } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject } from "../helpers/runtime.js";
import { EvqClient } from "./evq-client.js";

// The handshake selects and echoes "api" or "events"; the <ready> frame says who the node is.

const handler = `exports.onApi = (query, session) => ({ name: "who", attributes: { mode: session.mode, user: session.user, profile: session.profile } });`;
const files = {
  "p/jobs.js": handler,
  "p/jobs.websocket": descriptor("jobs", "p/jobs", { protocol: "evqueue", evqueue: { version: "3.4", modules: { git: "3.3", elogs: "1.0" } } }),
};

function refusedWith(url: string, protocols: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    ws.on("open", () => {
      ws.close();
      reject(new Error("the handshake was accepted"));
    });
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on("error", () => undefined);
  });
}

describe("evqueue handshake", () => {
  it("selects and echoes the subprotocol asked for (the first of api/events offered)", async () => {
    const t = await startProject(files);
    const api = await EvqClient.connect(t.url("jobs"), "api");
    const events = await EvqClient.connect(t.url("jobs"), "events");
    const both = await EvqClient.connect(t.url("jobs"), ["chat", "events", "api"]);
    expect([api.ws.protocol, events.ws.protocol, both.ws.protocol]).toEqual(["api", "events", "events"]);
    await Promise.all([api.close(), events.close(), both.close()]);
  });

  it("refuses a handshake without api or events with HTTP 400 and a reason naming both", async () => {
    const t = await startProject(files);
    const none = await refusal(t.url("jobs"));
    expect(none.status).toBe(400);
    expect(none.body.trim()).toBe('Endpoint "jobs" speaks evQueue: open it with the subprotocol "api" or "events", as new WebSocket(url, "api"); this request offered none.');
    const other = await refusedWith(t.url("jobs"), ["chat"]);
    expect(other).toEqual({ status: 400, body: expect.stringContaining('this request offered "chat".') });
    await t.logs.waitFor((l) => l.msg.startsWith('refused a handshake: Endpoint "jobs" speaks evQueue'));
  });

  it("without onAuth sends <ready> at once, with profile ADMIN, the node's name, version, time and the descriptor's modules", async () => {
    const t = await startProject(files);
    const c = await EvqClient.connect(t.url("jobs"), "api");
    const ready = await c.next();
    expect(ready.name).toBe("ready");
    expect(ready.attributes).toMatchObject({ profile: "ADMIN", version: "3.4", status: "OK" });
    expect(ready.attributes["node"]).toBe((await import("node:os")).hostname());
    expect(ready.attributes["time"]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(Math.abs(Date.parse(`${ready.attributes["time"]!.replace(" ", "T")}Z`) - Date.now())).toBeLessThan(5000);
    expect(ready.children).toEqual([
      {
        name: "modules",
        attributes: {},
        text: "",
        children: [
          { name: "module", attributes: { name: "git", version: "3.3" }, children: [], text: "" },
          { name: "module", attributes: { name: "elogs", version: "1.0" }, children: [], text: "" },
        ],
      },
    ]);
    const who = await c.ask('<whoami action="get"/>');
    expect(who.children[0]!.attributes).toEqual({ mode: "api", profile: "ADMIN" });
    await c.close();
  });
});
