import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { nextReload, startProject } from "../helpers/runtime.js";

const files = {
  "app/h.js": "exports.onMessage = (m) => 'v1:' + m;",
  "app/h.websocket": descriptor("h", "app/h"),
};

describe("a handler swapped for a link after it was mounted", () => {
  const outside: string[] = [];
  afterEach(() => {
    for (const dir of outside.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("refuses to reload code from outside the project root; the old code keeps serving", async () => {
    const { runtime, project, url, logs } = await startProject(files);
    const client = await TestClient.connect(url("h"));
    expect(await client.ask("x")).toBe("v1:x");
    const dir = mkdtempSync(path.join(tmpdir(), "aerostat-outside-"));
    outside.push(dir);
    writeFileSync(path.join(dir, "evil.js"), "exports.onMessage = () => 'outside code';");
    const failed = nextReload(runtime, (e) => e.file === "app/h.js" && !e.ok);
    await rm(project.path("app/h.js"));
    symlinkSync(path.join(dir, "evil.js"), project.path("app/h.js"));
    const error = (await failed).error!;
    expect(error.code).toBe("AEROSTAT_FILE_UNSAFE");
    expect(error.toString()).toMatch(/^app\/h\.js: .*outside the project root/);
    expect(await client.ask("y")).toBe("v1:y");
    expect(await (await TestClient.connect(url("h"))).ask("z")).toBe("v1:z");
    expect(logs.lines.some((l) => l.code === "AEROSTAT_FILE_UNSAFE" && l.file === "app/h.js")).toBe(true);
  });
});
