import { execFile } from "node:child_process";
import http from "node:http";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { descriptor } from "../helpers/project.js";
import { startProject } from "../helpers/runtime.js";

const require = createRequire(import.meta.url);
const PACKAGE_FILE = require.resolve("socketcluster-client/socketcluster-client.min.js");

/**
 * What a page does with the bundle, without a page: a window whose WebSocket
 * is Node's own, an import of the served module, a connection and an invoke.
 */
const PAGE_LESS = `
  globalThis.window = globalThis;
  const [bundle, port] = process.argv.slice(1);
  const { create, version } = await import(bundle);
  const socket = create({ hostname: "127.0.0.1", port: Number(port), path: "/websockets/v4/service/sc", autoReconnect: false });
  await socket.listener("connect").once(5000);
  const sum = await socket.invoke("add", { a: 2, b: 3 });
  const id = socket.id;
  socket.disconnect();
  console.log(JSON.stringify({ version, sum, id }));
`;

describe("the socketcluster client bundle", () => {
  it("is served from the package, as a JavaScript module a page can import", async () => {
    const { runtime } = await startProject({
      "p/sc.js": "exports.onInvoke = (procedure, data) => (procedure === 'add' ? data.a + data.b : undefined);",
      "p/sc.websocket": descriptor("sc", "p/sc", { protocol: "socketcluster" }),
    });
    const res = await fetch(`${runtime.url}/websockets/v4/socketcluster-client.min.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    // Cached as the other browser libraries are: revalidated by its ETag.
    const etag = res.headers.get("etag");
    expect(etag).toBeTruthy();
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.equals(readFileSync(PACKAGE_FILE))).toBe(true);
    expect(await statusOf(`${runtime.url}/websockets/v4/socketcluster-client.min.js`, { "If-None-Match": etag! })).toBe(304);

    const dir = mkdtempSync(path.join(tmpdir(), "aerostat-sc-bundle-"));
    try {
      const bundle = path.join(dir, "socketcluster-client.min.mjs");
      writeFileSync(bundle, bytes);
      const port = new URL(runtime.url).port;
      const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", PAGE_LESS, `file://${bundle}`, port], {
        timeout: 15_000,
      });
      expect(JSON.parse(stdout)).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+$/), sum: 5, id: expect.stringMatching(/^s\d+$/) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The status of a GET with these headers (fetch() would not let the server answer 304). */
function statusOf(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => resolve(res.resume().statusCode ?? 0)).on("error", reject);
  });
}
