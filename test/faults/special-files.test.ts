import { execFileSync } from "node:child_process";
import { closeSync, constants, openSync, rmSync, symlinkSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { Runtime } from "../../src/index.js";
import { TestClient } from "../helpers/client.js";
import { descriptor, type TempProject } from "../helpers/project.js";
import { nextReload, startProject } from "../helpers/runtime.js";

const files = {
  "a/h.js": "exports.onMessage = (m) => 'a1:' + m;",
  "a/h.websocket": descriptor("a", "a/h"),
  "b/h.js": "exports.onMessage = (m) => 'b1:' + m;",
  "b/h.websocket": descriptor("b", "b/h"),
  "c/h.js": "exports.onMessage = (m) => 'c1:' + m;",
  "c/h.websocket": descriptor("c", "c/h"),
  "public/index.html": "<h1>still here</h1>",
};

/** FIFOs made by a test; a writer is opened on each at the end, so a reader stuck on one sees end of file. */
const fifos: string[] = [];
afterEach(() => {
  for (const f of fifos.splice(0)) {
    try {
      closeSync(openSync(f, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // nobody is reading it
    }
  }
});

/** Replaces a project file with a FIFO (named pipe) that nobody ever writes to. */
function replaceWithFifo(project: TempProject, rel: string): void {
  rmSync(project.path(rel));
  execFileSync("mkfifo", [project.path(rel)]);
  fifos.push(project.path(rel));
}

/** Another project's handler still reloads promptly, and the static files are still served. */
async function syncStillWorks(runtime: Runtime, project: TempProject, url: (e: string) => string): Promise<void> {
  const started = performance.now();
  const reloaded = nextReload(runtime, (e) => e.file === "b/h.js" && e.ok, 3000);
  await project.write("b/h.js", "exports.onMessage = (m) => 'b2:' + m;");
  await reloaded;
  expect(performance.now() - started).toBeLessThan(2000);
  expect(await (await TestClient.connect(url("b"))).ask("x")).toBe("b2:x");
  const page = await fetch(`${runtime.url}/index.html`, { signal: AbortSignal.timeout(3000) });
  expect(page.status).toBe(200);
  expect(await page.text()).toBe("<h1>still here</h1>");
}

describe("project files that are not regular files", () => {
  it("refuses a handler replaced by a FIFO, keeps its last good version, and other reloads and static files go on", async () => {
    const { runtime, project, url } = await startProject(files);
    const failed = nextReload(runtime, (e) => e.file === "a/h.js" && !e.ok, 3000);
    replaceWithFifo(project, "a/h.js");
    const error = (await failed).error!;
    expect(error.code).toBe("AEROSTAT_FILE_UNSAFE");
    expect(error.toString()).toMatch(/^a\/h\.js: .*not a regular file/);
    expect(await (await TestClient.connect(url("a"))).ask("x")).toBe("a1:x");
    await syncStillWorks(runtime, project, url);
  });

  it("refuses a descriptor replaced by a FIFO, keeps its last good version, and other reloads and static files go on", async () => {
    const { runtime, project, url } = await startProject(files);
    const failed = nextReload(runtime, (e) => e.file === "a/h.websocket" && !e.ok, 3000);
    replaceWithFifo(project, "a/h.websocket");
    const error = (await failed).error!;
    expect(error.code).toBe("AEROSTAT_FILE_UNSAFE");
    expect(error.toString()).toMatch(/^a\/h\.websocket: .*not a regular file/);
    expect(await (await TestClient.connect(url("a"))).ask("x")).toBe("a1:x");
    await syncStillWorks(runtime, project, url);
  });

  it("starts with a FIFO named like a descriptor, reporting it and serving the rest", async () => {
    const { runtime, project, url, logs } = await startProject(files, {}, (p) => {
      execFileSync("mkfifo", [p.path("c/fifo.websocket")]);
      fifos.push(p.path("c/fifo.websocket"));
    });
    const problem = await logs.waitFor((l) => l.file === "c/fifo.websocket");
    expect(problem.code).toBe("AEROSTAT_FILE_UNSAFE");
    expect(await (await TestClient.connect(url("c"))).ask("x")).toBe("c1:x");
    await syncStillWorks(runtime, project, url);
  });

  it("keeps syncing files and serving static files with four FIFOs in the project", async () => {
    const { runtime, project, url, logs } = await startProject(files);
    for (const rel of ["a/h.js", "a/h.websocket", "c/h.js", "c/h.websocket"]) replaceWithFifo(project, rel);
    await syncStillWorks(runtime, project, url);
    await logs.waitFor((l) => l.code === "AEROSTAT_FILE_UNSAFE" && l.file === "c/h.websocket", 3000);
  });

  it("refuses a handler linked to /dev/zero without reading it into memory", async () => {
    const { runtime, project, url } = await startProject(files);
    const rssBefore = process.memoryUsage().rss;
    const failed = nextReload(runtime, (e) => e.file === "a/h.js" && !e.ok, 5000);
    rmSync(project.path("a/h.js"));
    symlinkSync("/dev/zero", project.path("a/h.js"));
    const error = (await failed).error!;
    expect(error.code).toBe("AEROSTAT_FILE_UNSAFE");
    expect(error.toString()).toMatch(/^a\/h\.js: /);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(100 * 1024 * 1024);
    expect(await (await TestClient.connect(url("a"))).ask("x")).toBe("a1:x");
  });

  it("refuses a handler larger than 8 MiB and a descriptor larger than 1 MiB, naming the limit", async () => {
    const { runtime, project, url } = await startProject(files);
    const handlerFailed = nextReload(runtime, (e) => e.file === "a/h.js" && !e.ok);
    await project.write("a/h.js", "exports.onMessage = (m) => 'big:' + m;\n//" + "x".repeat(8 * 1024 * 1024));
    expect((await handlerFailed).error?.toString()).toMatch(/^a\/h\.js: .*larger than 8 MiB/);
    const descriptorFailed = nextReload(runtime, (e) => e.file === "a/h.websocket" && !e.ok);
    await project.write("a/h.websocket", descriptor("a", "a/h", { description: "x".repeat(1024 * 1024) }));
    expect((await descriptorFailed).error?.toString()).toMatch(/^a\/h\.websocket: .*larger than 1 MiB/);
    expect(await (await TestClient.connect(url("a"))).ask("x")).toBe("a1:x");
  });
});
