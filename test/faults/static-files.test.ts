import { symlinkSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { refusal } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject } from "../helpers/runtime.js";

const files = {
  "app/h.js": "exports.onMessage = (m) => 'secret handler source';",
  "app/h.websocket": descriptor("h", "app/h"),
  "public/index.html": "<h1>page</h1>",
  "public/css/site.css": "body {}",
  "public/.env": "TOKEN=secret",
};

async function get(base: string, urlPath: string): Promise<{ status: number; body: string }> {
  const res = await fetch(base + urlPath, { redirect: "manual" });
  return { status: res.status, body: await res.text() };
}

describe("static files under public/", () => {
  it("serves regular files, and 404s links that lead out of public/ or anywhere else", async () => {
    const { runtime } = await startProject(files, {}, (p) => {
      symlinkSync("/etc/passwd", p.path("public/passwd"));
      symlinkSync("/etc", p.path("public/etc"));
      symlinkSync("../app/h.js", p.path("public/h.js"));
      symlinkSync("index.html", p.path("public/home.html"));
    });
    const base = runtime.url;
    expect(await get(base, "/")).toEqual({ status: 200, body: "<h1>page</h1>" });
    expect(await get(base, "/index.html")).toEqual({ status: 200, body: "<h1>page</h1>" });
    expect((await get(base, "/css/site.css")).body).toBe("body {}");
    for (const p of ["/passwd", "/etc/passwd", "/etc/hostname", "/h.js", "/home.html"]) {
      const res = await get(base, p);
      expect(res.status, p).toBe(404);
      expect(res.body, p).not.toMatch(/root:|secret/);
    }
  });

  it("404s dotfiles and never lists a folder", async () => {
    const { runtime } = await startProject(files);
    const base = runtime.url;
    for (const p of ["/.env", "/%2eenv", "/css/", "/css/%2e%2e/.env"]) {
      const res = await get(base, p);
      expect(res.status, p).toBe(404);
      expect(res.body, p).not.toMatch(/TOKEN|site\.css/);
    }
  });

  it("refuses an endpoint whose descriptor sits in public/, naming the file and where to move it", async () => {
    const { runtime, logs, url } = await startProject({
      ...files,
      "public/pub.websocket": descriptor("pub", "public/pub"),
      "public/pub.js": "exports.onMessage = () => 'served from public';",
    });
    const problem = await logs.waitFor((l) => l.file === "public/pub.websocket");
    expect(problem.code).toBe("AEROSTAT_DESCRIPTOR_IN_STATIC");
    expect(problem.msg).toMatch(/public\/ holds static files.*move .* to another folder/i);
    expect((await refusal(url("pub"))).status).toBe(404);
    expect(runtime.endpoints().map((e) => e.endpoint)).toEqual(["h"]);
    // The folder's files stay what they are: static files.
    expect((await get(runtime.url, "/pub.js")).status).toBe(200);
  });
});
