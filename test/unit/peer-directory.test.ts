import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { nodeOf, PeerIds } from "../../src/peers/peer.js";
import { SessionRegistry } from "../../src/peers/sessions.js";

const servers: WebSocketServer[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

/** A real server-side socket, for sessions to wrap. */
async function serverSocket(): Promise<WebSocket> {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  servers.push(wss);
  await new Promise((r) => wss.once("listening", r));
  const accepted = new Promise<WebSocket>((r) => wss.once("connection", r));
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as { port: number }).port}/`);
  client.on("error", () => undefined);
  return accepted;
}

describe("the session directory", () => {
  it("finds sessions by id within their project, and lists them by project and by endpoint", async () => {
    const sessions = new SessionRegistry(1 << 20);
    const socket = await serverSocket();
    const a1 = sessions.add("chat", "a", "a/chat.js", socket);
    const a2 = sessions.add("news", "a", "a/news.js", socket);
    const b1 = sessions.add("chat-b", "b", "b/chat.js", socket);
    expect(sessions.get("a", a1.id)).toBe(a1);
    expect(sessions.get("b", a1.id)).toBeUndefined();
    expect(sessions.list("a").map((s) => s.id).sort()).toEqual([a1.id, a2.id].sort());
    expect(sessions.list("a", "news")).toEqual([a2]);
    expect(sessions.list("a", "chat-b")).toEqual([]);
    expect([...sessions.eachOf("chat")]).toEqual([a1]);
    expect(sessions.countFor("chat-b")).toBe(1);

    sessions.remove(a1.id);
    expect(sessions.get("a", a1.id)).toBeUndefined();
    expect(sessions.list("a")).toEqual([a2]);
    expect([...sessions.eachOf("chat")]).toEqual([]);
    expect(sessions.countFor("chat")).toBe(0);
    expect(sessions.size).toBe(2);
    expect(sessions.get("b", b1.id)?.where).toBe("chat-b");
  });

  it("gives short ids on a lone server and node-qualified ids that name their node", () => {
    const local = new PeerIds("s");
    expect([local.next(), local.next()]).toEqual(["s1", "s2"]);
    const onNode = new PeerIds("c", "eu-1");
    const id = onNode.next();
    expect(id).toBe("eu-1.c1");
    expect(nodeOf(id)).toBe("eu-1");
    expect(nodeOf("s1")).toBe("");
    expect(nodeOf("a.b.s3")).toBe("a.b");
  });

  it("refuses a frame that would leave more unsent than the limit, and closes the session with 1013", async () => {
    const sessions = new SessionRegistry(1024);
    const socket = await serverSocket();
    const s = sessions.add("e", "p", "p/h.js", socket);
    expect(s.send("small")).toBe(true);
    const closed = new Promise<number>((r) => socket.once("close", (code) => r(code)));
    expect(s.send("x".repeat(4096))).toBe(false);
    expect(s.readyState).toBe(WebSocket.CLOSING);
    socket.terminate();
    await closed;
  });
});
