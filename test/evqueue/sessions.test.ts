import { describe, expect, it } from "vitest";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil } from "../helpers/runtime.js";
import { EvqClient, hmac, sha1 } from "./evq-client.js";

// An evQueue connection is a session scripts see only once it has signed in, and never one a script's raw frames reach.

const files = {
  "p/jobs.js": `
    exports.onAuth = (user) => (user === "admin" ? { passwordSha1: "${sha1("secret")}" } : null);
    exports.onOpen = (c) => console.log("evq onOpen " + c.id);
    exports.onClose = (c) => console.log("evq onClose " + c.id);
    exports.onApi = (query, session) => {
      if (query.group === "send") require("net/v4/websockets").getSession(session.id).send("raw text from onApi");
      return { name: "me", attributes: { id: session.id } };
    };`,
  "p/jobs.websocket": descriptor("jobs", "p/jobs", { protocol: "evqueue" }),
  "p/chat.js": `
    const ws = require("net/v4/websockets");
    exports.onMessage = async (m, c) => {
      if (m === "list") return JSON.stringify(ws.getSessions().map((s) => s.endpoint).sort());
      if (m === "broadcast") { ws.broadcast("raw text"); return "sent"; }
      if (m.startsWith("get ")) return String(ws.getSession(m.slice(4)) !== null);
      if (m.startsWith("sendTo ")) return String(await ws.sendTo(m.slice(7), "raw text"));
    };`,
  "p/chat.websocket": descriptor("chat", "p/chat"),
};

describe("evqueue connections among a project's sessions", () => {
  it("are unseen before sign-in (no onOpen, not in getSessions), then seen, and never get broadcast, sendTo or connection.send", async () => {
    const t = await startProject(files);
    const chat = await TestClient.connect(t.url("chat"));
    const pending = await EvqClient.connect(t.url("jobs"), "api");
    const challenge = (await pending.next()).attributes["challenge"]!;
    expect(await chat.ask("list")).toBe('["chat"]');
    expect(t.logs.lines.some((l) => String(l.msg).startsWith("evq onOpen"))).toBe(false);

    pending.send(`<auth response="${hmac(sha1("secret"), challenge)}" user="admin"/>`);
    expect((await pending.next()).name).toBe("ready");
    const id = (await pending.ask('<me action="get"/>')).children[0]!.attributes["id"]!;
    await t.logs.waitFor((l) => l.msg === `evq onOpen ${id}`);
    expect(await chat.ask("list")).toBe('["chat","jobs"]');
    expect(await chat.ask(`get ${id}`)).toBe("true");

    // A raw frame would break the client's XML stream: broadcast passes it over, sendTo says false, send is dropped and logged.
    const before = chat.messages.length;
    chat.send("broadcast");
    expect((await chat.received(before + 2)).slice(before)).toEqual(["raw text", "sent"]);
    expect(await chat.ask(`sendTo ${id}`)).toBe("false");
    expect((await pending.ask('<send action="get"/>')).attributes["status"]).toBe("OK");
    await t.logs.waitFor((l) => String(l.msg).startsWith(`p/jobs.js: a frame for ${id} was not sent: endpoint "jobs" speaks evQueue`));
    expect((await pending.ask('<me action="get"/>')).attributes["status"]).toBe("OK");
    expect(pending.frames.map((f) => f.name)).toEqual(["auth", "ready", "response", "response", "response"]);

    await pending.close();
    await t.logs.waitFor((l) => l.msg === `evq onClose ${id}`);
  });

  it("a connection that never signs in never reaches onOpen or onClose", async () => {
    const t = await startProject(files);
    const stranger = await EvqClient.connect(t.url("jobs"), "api");
    await stranger.next();
    stranger.send('<auth response="0000000000000000000000000000000000000000" user="admin"/>');
    expect((await stranger.closedWithin()).reason).toBe("Invalid authentication");
    const known = await EvqClient.ready(t.url("jobs"), "api", { user: "admin", passwordSha1: sha1("secret") });
    await known.close();
    await waitUntil(() => t.logs.lines.some((l) => String(l.msg).startsWith("evq onClose")), 5000, "the signed-in one's onClose");
    expect(t.logs.lines.filter((l) => String(l.msg).startsWith("evq on")).map((l) => l.msg.split(" ")[1])).toEqual(["onOpen", "onClose"]);
  });
});
