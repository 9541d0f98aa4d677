import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject } from "../helpers/runtime.js";

/**
 * The web platform globals against a hostile script: one that swaps the
 * built-ins they might use, passes oversized inputs, or starts too many
 * fetches at once. The globals keep their behaviour and their limits.
 */
const HANDLER = `
  const cases = {
    // Sabotage first, then use the globals: they run on built-ins captured before the script.
    swapped: async () => {
      const realDigest = crypto.subtle.digest;
      String.prototype.charCodeAt = () => 0;
      String.prototype.toLowerCase = () => "x";
      Array.prototype[Symbol.iterator] = function* () { yield "forged"; };
      Object.defineProperty(Array.prototype, "0", { set() { throw new Error("setter ran"); }, configurable: true });
      Object.getPrototypeOf(Uint8Array.prototype).set = () => { throw new Error("set ran"); };
      Object.defineProperty(Object.getPrototypeOf(Uint8Array.prototype), "byteLength", { get: () => 0 });
      const bytes = new TextEncoder().encode("héllo");
      const text = new TextDecoder().decode(bytes);
      const b64 = btoa("hi");
      const q = new URLSearchParams("a=1&B=2").toString();
      const h = new Headers({ "X-A": "1" }).get("x-a");
      const digest = new Uint8Array(await realDigest("SHA-256", bytes));
      delete Array.prototype[0];
      const hex = [];
      for (let i = 0; i < digest.length; i++) hex.push(digest[i]);
      return JSON.stringify([Array.from(bytes), text, b64, q, h, hex.map((b) => b.toString(16).padStart(2, "0")).join("")]);
    },
    keyBytes: async () => {
      const k = await crypto.subtle.importKey("raw", new Uint8Array([1, 2, 3]), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      let ctor;
      try { new k.constructor({}, new Uint8Array(1), "SHA-256", true, ["sign"]); } catch (e) { ctor = e.name; }
      return JSON.stringify([Object.getOwnPropertyNames(k), JSON.stringify(k), ctor]);
    },
    bigBody: async (url) => { try { await fetch(url, { method: "POST", body: new Uint8Array(1024 * 1024 + 1) }); return "sent"; } catch (e) { return e.name + ": " + e.message; } },
    manyFetches: async (url) => {
      const results = await Promise.allSettled(Array.from({ length: 17 }, () => fetch(url, { timeout: 1000 })));
      return results.map((r) => r.status === "fulfilled" ? r.value.status : r.reason.name + ": " + r.reason.message.slice(0, 40)).sort().join("|");
    },
    hugeAtob: () => { try { atob("A".repeat(3 * 1024 * 1024) + "*"); return "decoded"; } catch (e) { return e.name; } },
  };
  exports.onMessage = async (m) => {
    const at = m.indexOf(" ");
    return cases[at < 0 ? m : m.slice(0, at)](at < 0 ? "" : m.slice(at + 1));
  };
`;

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

describe("web platform APIs against hostile scripts", () => {
  it("keep working after the script swaps the built-ins they could use", async () => {
    const { url } = await startProject({ "p/h.js": HANDLER, "p/h.websocket": descriptor("h", "p/h") });
    const c = await TestClient.connect(url("h"));
    const expected = createHash("sha256").update("héllo").digest("hex");
    expect(JSON.parse(String(await c.ask("swapped")))).toEqual([Array.from(Buffer.from("héllo")), "héllo", "aGk=", "a=1&B=2", "1", expected]);
  });

  it("keep a CryptoKey's bytes off the object, and its constructor to themselves", async () => {
    const { url } = await startProject({ "p/h.js": HANDLER, "p/h.websocket": descriptor("h", "p/h") });
    const c = await TestClient.connect(url("h"));
    expect(JSON.parse(String(await c.ask("keyBytes")))).toEqual([[], "{}", "TypeError"]);
  });

  it("refuse an oversized body and more than 16 fetches in flight, and decode a huge atob input within the CPU limit", async () => {
    let requests = 0;
    const server = http.createServer((_req, res) => {
      requests++;
      setTimeout(() => res.end("ok"), 300);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    servers.push(server);
    const port = (server.address() as AddressInfo).port;
    const { url } = await startProject({ "p/h.js": HANDLER, "p/h.websocket": descriptor("h", "p/h") }, { outboundHosts: [`127.0.0.1:${port}`] });
    const c = await TestClient.connect(url("h"));
    expect(await c.ask(`bigBody http://127.0.0.1:${port}/`)).toBe("RangeError: fetch: the request body is 1048577 bytes, over the limit of 1048576");
    expect(requests).toBe(0);
    const many = String(await c.ask(`manyFetches http://127.0.0.1:${port}/`)).split("|");
    expect(many.filter((r) => r === "200")).toHaveLength(16);
    expect(many.filter((r) => r.startsWith("RangeError: fetch: 16 requests"))).toHaveLength(1);
    expect(await c.ask("hugeAtob")).toBe("InvalidCharacterError");
  });
});
