import { symlinkSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Runtime } from "../../src/index.js";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { nextReload, startProject } from "../helpers/runtime.js";

const files = {
  "app/h.js": "exports.onMessage = (m) => 'v1:' + m;",
  "app/h.websocket": descriptor("h", "app/h"),
};

/** Paths the project watcher (chokidar) holds, counted through its getWatched(). */
function watchedPaths(runtime: Runtime): number {
  const internals = runtime as unknown as { parts: { sync: { watcher: { watcher: { getWatched(): Record<string, string[]> } } } } };
  const watched = internals.parts.sync.watcher.watcher.getWatched();
  return Object.values(watched).reduce((n, names) => n + names.length, 0);
}

/** Saves a new version of app/h.js and waits until it serves. */
async function reloadHandler(runtime: Runtime, write: (rel: string, text: string) => Promise<void>, tag: string) {
  const reloaded = nextReload(runtime, (e) => e.file === "app/h.js" && e.ok);
  await write("app/h.js", `exports.onMessage = (m) => '${tag}:' + m;`);
  await reloaded;
}

describe("links in a served project", () => {
  it("serves a project holding a link to its own folder from the start, and reloads", async () => {
    const { runtime, project, url } = await startProject(files, {}, (p) => symlinkSync(".", p.path("app/loop")));
    expect(await (await TestClient.connect(url("h"))).ask("x")).toBe("v1:x");
    await reloadHandler(runtime, (r, t) => project.write(r, t), "v2");
    expect(await (await TestClient.connect(url("h"))).ask("x")).toBe("v2:x");
  });

  it("keeps serving and reloading when a link to the project's own folder appears", async () => {
    const { runtime, project, url } = await startProject(files);
    symlinkSync(".", project.path("app/loop"));
    symlinkSync("..", project.path("app/up"));
    await reloadHandler(runtime, (r, t) => project.write(r, t), "v2");
    expect(await (await TestClient.connect(url("h"))).ask("x")).toBe("v2:x");
    expect(watchedPaths(runtime)).toBeLessThan(50);
  });

  it("listens promptly and watches only the project when a link to /usr is there from the start", async () => {
    const started = performance.now();
    const { runtime, project, url } = await startProject(files, {}, (p) => symlinkSync("/usr", p.path("app/usr")));
    expect(performance.now() - started).toBeLessThan(5000);
    expect(watchedPaths(runtime)).toBeLessThan(50);
    await reloadHandler(runtime, (r, t) => project.write(r, t), "v2");
    expect(await (await TestClient.connect(url("h"))).ask("x")).toBe("v2:x");
    expect(watchedPaths(runtime)).toBeLessThan(50);
  }, 20_000);

  it("does not crawl /usr when a link to it appears while serving, and reloads promptly", async () => {
    const { runtime, project, url } = await startProject(files);
    symlinkSync("/usr", project.path("app/usr"));
    const started = performance.now();
    await reloadHandler(runtime, (r, t) => project.write(r, t), "v2");
    expect(performance.now() - started).toBeLessThan(2000);
    expect(await (await TestClient.connect(url("h"))).ask("x")).toBe("v2:x");
    expect(watchedPaths(runtime)).toBeLessThan(50);
  }, 20_000);
});
