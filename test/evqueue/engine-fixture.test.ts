import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { parseXml } from "../../src/protocols/evqueue/xml.js";
import { challengeResponse, EvqEngine, sha1Hex } from "../helpers/evqueue-engine.js";
import { waitUntil } from "../helpers/runtime.js";

/** The stand-in engine that client tests run against speaks the frames of protocols.md §3.2. */
describe("the evQueue engine stand-in", () => {
  it("challenges, signs in with the HMAC, answers API queries and sends subscribed events", async () => {
    const engine = await EvqEngine.start({ node: "e1", users: { admin: "secret" }, api: (q) => [{ name: "echo", attributes: { group: q.name } }] });
    const frames: string[] = [];
    const ws = new WebSocket(engine.url, "events");
    ws.on("message", (d) => frames.push(String(d)));
    try {
      await waitUntil(() => frames.length === 1, 5000, "the challenge");
      expect(ws.protocol).toBe("events");
      const challenge = parseXml(frames[0]!).attributes["challenge"]!;
      ws.send(`<auth user="admin" response="${challengeResponse(challenge, sha1Hex("secret"))}"/>`);
      await waitUntil(() => frames.length === 2, 5000, "ready");
      expect(parseXml(frames[1]!).name).toBe("ready");
      const api = Buffer.from('<instances action="list"/>').toString("base64");
      ws.send(`<event action="subscribe" type="INSTANCE_STARTED" api_cmd="${api}" send_now="yes" external_id="7"/>`);
      await waitUntil(() => frames.length === 3, 5000, "the send_now frame");
      expect(engine.raise("INSTANCE_STARTED", 5)).toBe(1);
      await waitUntil(() => frames.length === 4, 5000, "the event");
      const event = parseXml(frames[3]!);
      expect(event.attributes).toMatchObject({ node: "e1", status: "OK", "external-id": "7", "object-id": "5" });
      expect(event.children[0]).toMatchObject({ name: "echo", attributes: { group: "instances" } });
    } finally {
      ws.close();
      await engine.stop();
    }
  });

  it("closes the connection on a wrong response", async () => {
    const engine = await EvqEngine.start({ users: { admin: "secret" } });
    const ws = new WebSocket(engine.url, "api");
    try {
      const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
      ws.once("message", () => ws.send('<auth user="admin" response="hmac"/>'));
      expect(await closed).toBe(1011);
    } finally {
      await engine.stop();
    }
  });
});
