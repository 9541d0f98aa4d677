import { IncomingMessage } from "node:http";
import net, { type AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import type { Runtime } from "../../src/index.js";
import { descriptor } from "../helpers/project.js";
import { startProject } from "../helpers/runtime.js";

/** Row 20: DNS rebinding against service endpoints, the Origin's scheme, and what refusals tell strangers. */

const FILES = {
  "p/echo.js": "exports.onMessage = (m) => m;",
  "p/echo.websocket": descriptor("echo", "p/echo"),
  "secret/admin.js": "throw new Error('cannot read /srv/secret/credentials.json');",
  "secret/admin.websocket": descriptor("internal-admin", "secret/admin"),
};

/** A handshake with the given headers: the status (101 when accepted) and body. */
function handshake(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on("open", () => {
      ws.close();
      resolve({ status: 101, body: "" });
    });
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on("error", (e) => (e.message.startsWith("Unexpected server response") ? undefined : reject(e)));
  });
}

const relays: net.Server[] = [];
afterEach(() => {
  for (const r of relays.splice(0)) r.close();
});

/**
 * Hands the runtime's upgrade handler a request that looks as if it came from
 * `remoteAddress`, over a real loopback socket pair, and returns the raw
 * answer. No traffic leaves loopback: only the reported peer address differs.
 */
async function upgradeFrom(runtime: Runtime, remoteAddress: string, path: string): Promise<string> {
  const relay = net.createServer();
  relays.push(relay);
  await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
  const accepted = new Promise<net.Socket>((resolve) => relay.once("connection", resolve));
  const client = net.connect((relay.address() as AddressInfo).port, "127.0.0.1");
  const serverSide = await accepted;
  Object.defineProperty(serverSide, "remoteAddress", { value: remoteAddress });
  const req = new IncomingMessage(serverSide);
  req.method = "GET";
  req.url = path;
  req.headers = {
    host: new URL(runtime.url).host,
    upgrade: "websocket",
    connection: "Upgrade",
    "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
    "sec-websocket-version": "13",
  };
  let answer = "";
  client.on("data", (d) => (answer += d.toString()));
  const ended = new Promise((resolve) => client.on("close", resolve));
  runtime.server.emit("upgrade", req, serverSide, Buffer.alloc(0));
  await ended;
  return answer;
}

describe("service handshakes: Host and Origin", () => {
  it("refuse a Host that is not a name of this server, naming the flag; allowedHosts adds it", async () => {
    const strict = await startProject(FILES);
    const url = strict.url("echo");
    const attempts: Record<string, string>[] = [{ Host: "evil.example" }, { Host: "evil.example", Origin: "http://evil.example" }];
    for (const headers of attempts) {
      const refused = await handshake(url, headers);
      expect(refused.status).toBe(403);
      expect(refused.body).toMatch(/Host "evil\.example" is not a name of this server.*--allowed-hosts evil\.example \(option allowedHosts\)/);
    }
    expect((await handshake(url, {})).status).toBe(101);
    expect((await handshake(url, { Host: "localhost" })).status).toBe(101);
    expect((await handshake(url, { Host: "app.localhost:1234" })).status).toBe(101);
    await strict.runtime.close(100);

    const open = await startProject(FILES, { allowedHosts: ["evil.example", ".example.org"] });
    expect((await handshake(open.url("echo"), { Host: "evil.example", Origin: "http://evil.example" })).status).toBe(101);
    expect((await handshake(open.url("echo"), { Host: "a.example.org" })).status).toBe(101);
    expect((await handshake(open.url("echo"), { Host: "example.org.evil.net" })).status).toBe(403);
  });

  it("compare the Origin's scheme too: an https: page is not the same origin as a plain server", async () => {
    const { runtime, url } = await startProject(FILES);
    const host = new URL(runtime.url).host;
    const https = await handshake(url("echo"), { Origin: `https://${host}` });
    expect(https.status).toBe(403);
    expect(https.body).toMatch(/Origin https:\/\/127\.0\.0\.1:\d+ may not connect to "echo"/);
    expect((await handshake(url("echo"), { Origin: `http://${host}` })).status).toBe(101);
    expect((await handshake(url("echo"), { Origin: `http://localhost:1` })).status).toBe(403);
    // Behind a TLS proxy that says so, the page is https:.
    expect((await handshake(url("echo"), { Origin: `https://${host}`, "X-Forwarded-Proto": "https" })).status).toBe(101);
    expect((await handshake(url("echo"), { Origin: `http://${host}`, "X-Forwarded-Proto": "https" })).status).toBe(403);
  });
});

describe("refusal bodies", () => {
  it("tell this machine the full reason and others only what they asked about; the server logs it all", async () => {
    const { runtime, url, logs } = await startProject(FILES);

    // From this machine: which endpoints exist, and why one cannot serve (file and error).
    const local404 = await handshake(url("nope"), {});
    expect(local404.body).toMatch(/use one of: echo, internal-admin/);
    const local503 = await handshake(url("internal-admin"), {});
    expect(local503.status).toBe(503);
    expect(local503.body).toMatch(/secret\/admin\.js.*\/srv\/secret\/credentials\.json/s);

    // From elsewhere: no list, no paths, no load errors.
    const far404 = await upgradeFrom(runtime, "203.0.113.9", "/websockets/v4/service/nope");
    expect(far404).toMatch(/^HTTP\/1\.1 404 /);
    expect(far404.split("\r\n\r\n")[1]).toBe('No endpoint "nope" is mounted.\n');
    const far503 = await upgradeFrom(runtime, "203.0.113.9", "/websockets/v4/service/internal-admin");
    expect(far503).toMatch(/^HTTP\/1\.1 503 /);
    expect(far503.split("\r\n\r\n")[1]).toBe('Endpoint "internal-admin" cannot serve right now; try again later.\n');
    for (const text of [far404, far503]) expect(text).not.toMatch(/echo|secret|credentials|admin\.js/);

    // The same path from a loopback peer, through the same route, still gets everything.
    expect(await upgradeFrom(runtime, "127.0.0.1", "/websockets/v4/service/nope")).toMatch(/use one of: echo, internal-admin/);

    const logged = await logs.waitFor((l) => l.remote === "203.0.113.9" && l.status === 503);
    expect(logged.msg).toMatch(/cannot serve: .*credentials\.json/s);
  });
});
