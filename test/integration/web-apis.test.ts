import { createHash, createHmac } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject } from "../helpers/runtime.js";

/**
 * The web platform globals inside a handler, through a real server and
 * client: each "case arg" message runs one case and answers its result as JSON
 * (or the error's name and message). Results are compared with Node's own
 * implementations of the same APIs.
 */
const HANDLER = `
  const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
  const enc = new TextEncoder();
  const cases = {
    url: (a) => { const [input, base] = JSON.parse(a); const u = new URL(input, base ?? undefined); return { href: u.href, origin: u.origin, host: u.host, hostname: u.hostname, port: u.port, pathname: u.pathname, search: u.search, hash: u.hash, username: u.username }; },
    badUrl: (a) => new URL(a),
    canParse: (a) => [URL.canParse(a), URL.parse(a)?.href ?? null],
    urlSet: () => { const u = new URL("http://example.com/a?x=1#h"); u.pathname = "/b c"; u.port = "8080"; u.searchParams.append("y", "two words"); u.hash = ""; return u.href; },
    params: (a) => { const p = new URLSearchParams(a); p.append("z", "ä&="); p.sort(); return [p.toString(), p.get("a"), p.getAll("a"), p.has("b"), [...p.keys()], p.size]; },
    encode: (a) => Array.from(enc.encode(a)),
    encodeInto: (a) => { const d = new Uint8Array(5); const r = enc.encodeInto(a, d); return [r.read, r.written, Array.from(d)]; },
    decode: (a) => new TextDecoder().decode(new Uint8Array(JSON.parse(a))),
    decodeFatal: (a) => new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array(JSON.parse(a))),
    decodeBom: (a) => [new TextDecoder().decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])), new TextDecoder("utf8", { ignoreBOM: true }).decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41]))],
    decodeStream: () => { const d = new TextDecoder(); const b = enc.encode("€uro"); return d.decode(b.subarray(0, 2), { stream: true }) + "|" + d.decode(b.subarray(2)); },
    btoa: (a) => btoa(a),
    atob: (a) => atob(a),
    clone: () => {
      const o = { d: new Date(5), r: /x+/gi, m: new Map([[1, { s: new Set(["a"]) }]]), u: new Uint16Array([1, 2, 3]).subarray(1), e: new RangeError("boom"), n: [1, , 3] };
      o.self = o;
      const c = structuredClone(o);
      return [c !== o, c.self === c, c.d instanceof Date && c.d.getTime(), String(c.r), c.m.get(1).s.has("a"), c.u.constructor.name, Array.from(c.u), c.e instanceof RangeError && c.e.message, 1 in c.n, c.n.length];
    },
    cloneFn: () => structuredClone({ f() {} }),
    cloneSymbol: () => structuredClone(Symbol("s")),
    microtask: () => new Promise((resolve) => { const order = []; queueMicrotask(() => order.push("micro")); order.push("sync"); Promise.resolve().then(() => resolve(order)); }),
    microtaskThrows: () => { queueMicrotask(() => { throw new Error("from a microtask"); }); return "queued"; },
    random: () => { const a = crypto.getRandomValues(new Uint32Array(8)); const b = crypto.getRandomValues(new Uint8Array(16)); return [a.length, a.some((x) => x !== 0), b.length]; },
    randomTooMany: () => crypto.getRandomValues(new Uint8Array(65537)),
    randomFloat: () => crypto.getRandomValues(new Float64Array(2)),
    uuid: () => [crypto.randomUUID(), crypto.randomUUID()],
    digest: async (a) => { const [alg, text] = JSON.parse(a); return hex(await crypto.subtle.digest(alg, enc.encode(text))); },
    hmac: async (a) => {
      const [hash, key, text] = JSON.parse(a);
      const k = await crypto.subtle.importKey("raw", enc.encode(key), { name: "HMAC", hash }, false, ["sign", "verify"]);
      const sig = await crypto.subtle.sign("HMAC", k, enc.encode(text));
      const ok = await crypto.subtle.verify("HMAC", k, sig, enc.encode(text));
      const bad = new Uint8Array(sig.slice(0)); bad[0] ^= 1;
      const notOk = await crypto.subtle.verify({ name: "HMAC" }, k, bad, enc.encode(text));
      return [hex(sig), ok, notOk, k.algorithm.hash.name, k.type, k.extractable, Object.keys(k)];
    },
    hugeDigest: () => crypto.subtle.digest("SHA-256", new Uint8Array(1024 * 1024 + 1)),
    badHash: () => crypto.subtle.digest("MD5", new Uint8Array(1)),
    exportLocked: async () => crypto.subtle.exportKey("raw", await crypto.subtle.importKey("raw", new Uint8Array(4), { name: "HMAC", hash: "SHA-256" }, false, ["sign"])),
    fetch: async (a) => {
      const r = await fetch(a, { method: "POST", headers: { "X-Test": "yes" }, body: JSON.stringify({ n: 1 }) });
      return [r.status, r.ok, r.statusText, r.headers.get("content-type"), r.redirected, r.url, await r.json()];
    },
    fetchBytes: async (a) => { const r = await fetch(new URL(a)); return Array.from(new Uint8Array(await r.arrayBuffer())); },
    fetchText: async (a) => { const r = await fetch(a); const t = await r.text(); try { await r.text(); } catch (e) { return [t, r.bodyUsed, e.name]; } },
    fetchTimeout: (a) => fetch(a, { timeout: 200 }),
  };
  exports.onMessage = async (m) => {
    const at = m.indexOf(" ");
    const [cmd, arg] = at < 0 ? [m, ""] : [m.slice(0, at), m.slice(at + 1)];
    try { return JSON.stringify(await cases[cmd](arg)); }
    catch (e) { return "threw " + e.name + ": " + e.message + (e instanceof DOMException ? " (DOMException " + e.code + ")" : ""); }
  };
`;

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A local HTTP server: /json echoes the request, /bytes answers binary, /redirect/<n> redirects n times, /slow never answers, /big is 6 MiB. */
async function target() {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = req.url ?? "/";
      if (url.startsWith("/away/")) res.writeHead(307, { location: `http://127.0.0.1:${url.slice(6)}/json` }).end();
      else if (url.startsWith("/redirect/")) {
        const n = Number(url.slice(10));
        res.writeHead(302, { location: n > 1 ? `/redirect/${n - 1}` : "/json" }).end();
      } else if (url === "/json") {
        res.writeHead(201, "Made", { "content-type": "application/json" });
        res.end(JSON.stringify({ method: req.method, test: req.headers["x-test"] ?? null, type: req.headers["content-type"] ?? null, body: Buffer.concat(chunks).toString() }));
      } else if (url === "/bytes") res.end(Buffer.from([0, 255, 128, 10]));
      else if (url === "/text") res.end("\ufeffhé");
      else if (url === "/big") res.end(Buffer.alloc(6 * 1024 * 1024, 97));
      else if (url === "/slow") res.flushHeaders();
      else res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  return (server.address() as AddressInfo).port;
}

async function start(outboundHosts: string[] = []) {
  const t = await startProject({ "p/h.js": HANDLER, "p/h.websocket": descriptor("h", "p/h") }, { outboundHosts });
  const client = await TestClient.connect(t.url("h"));
  const ask = async (m: string) => {
    const answer = String(await client.ask(m));
    return answer.startsWith("threw ") ? answer : JSON.parse(answer);
  };
  return { ...t, ask };
}

describe("web platform APIs in handlers", () => {
  it("parses URLs as Node's WHATWG URL does, with setters and searchParams", async () => {
    const { ask } = await start();
    for (const [input, base] of [["https://user@EXAMPLE.com:443/a/../b?q=1#f", undefined], ["../x?y#z", "http://h.test/a/b/c"], ["http://[::1]:8080/p"], ["HTTP://ex.com/%7e sp"]] as const) {
      const u = new URL(input, base);
      expect(await ask(`url ${JSON.stringify([input, base])}`)).toEqual({ href: u.href, origin: u.origin, host: u.host, hostname: u.hostname, port: u.port, pathname: u.pathname, search: u.search, hash: u.hash, username: u.username });
    }
    expect(await ask("badUrl not a url")).toBe('threw TypeError: Invalid URL: "not a url"');
    expect(await ask("canParse nope")).toEqual([false, null]);
    const u = new URL("http://example.com/a?x=1#h");
    u.pathname = "/b c";
    u.port = "8080";
    u.searchParams.append("y", "two words");
    u.hash = "";
    expect(await ask("urlSet")).toBe(u.href);
    const p = new URLSearchParams("?b=2&a=1&a=%20x+y");
    p.append("z", "ä&=");
    p.sort();
    expect(await ask("params ?b=2&a=1&a=%20x+y")).toEqual([p.toString(), p.get("a"), p.getAll("a"), p.has("b"), [...p.keys()], p.size]);
  });

  it("encodes and decodes UTF-8 as TextEncoder and TextDecoder do", async () => {
    const { ask } = await start();
    const text = "aé€😀\ud800z";
    expect(await ask(`encode ${text}`)).toEqual(Array.from(new TextEncoder().encode(text)));
    const d = new Uint8Array(5);
    const r = new TextEncoder().encodeInto("aé€", d);
    expect(await ask("encodeInto aé€")).toEqual([r.read, r.written, Array.from(d)]);
    for (const bytes of [[0x61, 0xe2, 0x82], [0xf0, 0x9f, 0x98, 0x80, 0xff, 0xc0, 0x80, 0xed, 0xa0, 0x80, 0x62], [0xe2, 0x28, 0xa1]]) {
      expect(await ask(`decode ${JSON.stringify(bytes)}`)).toBe(new TextDecoder().decode(new Uint8Array(bytes)));
    }
    expect(await ask("decodeFatal [255]")).toBe("threw TypeError: TextDecoder.decode: the data is not valid UTF-8");
    expect(await ask("decodeBom")).toEqual(["A", "\ufeffA"]);
    // The first call holds back the incomplete "€".
    expect(await ask("decodeStream")).toBe("|€uro");
  });

  it("has atob and btoa, throwing InvalidCharacterError as browsers do", async () => {
    const { ask } = await start();
    expect(await ask("btoa hé!")).toBe(btoa("hé!"));
    expect(await ask("atob aOkh")).toBe(atob("aOkh"));
    expect(await ask("atob  aO k h ")).toBe(atob(" aO k h "));
    expect(await ask("btoa €")).toMatch(/^threw InvalidCharacterError: btoa: .* \(DOMException 5\)$/);
    expect(await ask("atob a")).toMatch(/^threw InvalidCharacterError: atob: .* \(DOMException 5\)$/);
    expect(await ask("atob a*==")).toMatch(/^threw InvalidCharacterError/);
  });

  it("clones with structuredClone, cycles included, and refuses functions and symbols", async () => {
    const { ask } = await start();
    expect(await ask("clone")).toEqual([true, true, 5, "/x+/gi", true, "Uint16Array", [2, 3], "boom", false, 3]);
    expect(await ask("cloneFn")).toMatch(/^threw DataCloneError: .* \(DOMException 25\)$/);
    expect(await ask("cloneSymbol")).toMatch(/^threw DataCloneError/);
  });

  it("runs queueMicrotask callbacks before later promise reactions and reports their throws as faults", async () => {
    const { ask, logs } = await start();
    expect(await ask("microtask")).toEqual(["sync", "micro"]);
    expect(await ask("microtaskThrows")).toBe("queued");
    const line = await logs.waitFor((l) => /from a microtask/.test(l.msg) || /from a microtask/.test(String(l["error"] ?? "")));
    expect(JSON.stringify(line)).toContain("queueMicrotask");
  });

  it("gives host randomness through crypto.getRandomValues and randomUUID, within browsers' limits", async () => {
    const { ask } = await start();
    expect(await ask("random")).toEqual([8, true, 16]);
    expect(await ask("randomTooMany")).toMatch(/^threw QuotaExceededError: .*65536.* \(DOMException 22\)$/);
    expect(await ask("randomFloat")).toMatch(/^threw TypeMismatchError/);
    const [a, b] = await ask("uuid");
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(b).not.toBe(a);
  });

  it("computes digests and HMACs on the host as Node's crypto does", async () => {
    const { ask } = await start();
    for (const [alg, node] of [["SHA-1", "sha1"], ["SHA-256", "sha256"], ["sha-384", "sha384"], ["SHA-512", "sha512"]]) {
      expect(await ask(`digest ${JSON.stringify([alg, "héllo"])}`)).toBe(createHash(node!).update("héllo").digest("hex"));
    }
    const sig = createHmac("sha256", "secret").update("message").digest("hex");
    expect(await ask(`hmac ${JSON.stringify(["SHA-256", "secret", "message"])}`)).toEqual([sig, true, false, "SHA-256", "secret", false, []]);
    expect(await ask("hugeDigest")).toMatch(/^threw RangeError: crypto.subtle.digest: data is 1048577 bytes, over the limit of 1048576/);
    expect(await ask("badHash")).toMatch(/^threw NotSupportedError: .*MD5/);
    expect(await ask("exportLocked")).toMatch(/^threw InvalidAccessError: .*not extractable/);
  });

  it("fetches from allowed hosts and returns a Response", async () => {
    const port = await target();
    const { ask } = await start([`127.0.0.1:${port}`]);
    const base = `http://127.0.0.1:${port}`;
    expect(await ask(`fetch ${base}/json`)).toEqual([
      201, true, "Made", "application/json", false, `${base}/json`,
      { method: "POST", test: "yes", type: "text/plain;charset=UTF-8", body: '{"n":1}' },
    ]);
    expect(await ask(`fetchBytes ${base}/bytes`)).toEqual([0, 255, 128, 10]);
    expect(await ask(`fetchText ${base}/text`)).toEqual(["hé", true, "TypeError"]);
    // 302 after a POST goes on as a GET, without the body.
    const redirected = await ask(`fetch ${base}/redirect/2`);
    expect(redirected.slice(4)).toEqual([true, `${base}/json`, { method: "GET", test: "yes", type: null, body: "" }]);
  });

  it("refuses hosts off the allowlist, too many redirects, slow and large answers, with clear errors", async () => {
    const port = await target();
    const other = await target();
    const { ask } = await start([`127.0.0.1:${port}`]);
    const base = `http://127.0.0.1:${port}`;
    expect(await ask(`fetch http://127.0.0.1:${other}/json`)).toBe(
      `threw TypeError: fetch: connecting to 127.0.0.1:${other} is not allowed; start the server with --allow-outbound 127.0.0.1:${other} (option outboundHosts)`,
    );
    // Each redirect is checked against the allowlist: the other host gets nothing.
    expect(await ask(`fetch ${base}/away/${other}`)).toMatch(new RegExp(`^threw TypeError: fetch: connecting to 127.0.0.1:${other} is not allowed`));
    expect(await ask("fetch file:///etc/passwd")).toMatch(/^threw TypeError: fetch: only http:\/\/ and https:\/\/ URLs/);
    expect(await ask(`fetch ${base}/redirect/6`)).toMatch(/^threw TypeError: fetch: more than 5 redirects/);
    expect(await ask(`fetchTimeout ${base}/slow`)).toMatch(/^threw TimeoutError: fetch: .* took over 200 ms/);
    expect(await ask(`fetchText ${base}/big`)).toMatch(/^threw RangeError: fetch: the response from .* is over 5242880 bytes/);
  });
});
