import { describe, expect, it } from "vitest";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil } from "../helpers/runtime.js";

const COUNTER = (name: string) => `let n = 0; exports.onMessage = (m) => '${name}:' + m + ':' + (++n);`;

const BOMB = `
  exports.onMessage = (m) => {
    if (m === "bomb") { const hoard = []; for (;;) hoard.push(new Array(100000).fill(m)); }
    if (m === "spin") { for (;;) {} }
    return "bomb:" + m;
  };
  exports.onError = (error, c) => c && c.send("onError: " + error);`;

/** Folder "a": a bomb and a calm handler share the folder's isolate; "own" has one of its own. */
const files = (bombIsolate = "shared") => ({
  "a/bomb.js": BOMB,
  "a/bomb.websocket": descriptor("bomb", "a/bomb", { isolate: bombIsolate }),
  "a/calm.js": COUNTER("calm"),
  "a/calm.websocket": descriptor("calm", "a/calm"),
  "a/own.js": COUNTER("own"),
  "a/own.websocket": descriptor("own", "a/own", { isolate: "own" }),
});

describe('a descriptor\'s "isolate": "own"', () => {
  it("keeps a handler running through a memory bomb that restarts its folder's shared isolate", async () => {
    const { url, runtime } = await startProject(files(), { memoryLimitMb: 32, cpuLimitMs: 10_000 });
    const [bomber, calm, own] = await Promise.all([TestClient.connect(url("bomb")), TestClient.connect(url("calm")), TestClient.connect(url("own"))]);
    expect(await calm.ask("x")).toBe("calm:x:1");
    expect(await own.ask("x")).toBe("own:x:1");

    bomber.send("bomb");
    expect(String((await bomber.received(1, 15_000))[0])).toMatch(/^onError: Error: the sandbox was restarted/);
    // The shared isolate's other handler started afresh; the one with its own isolate kept its state.
    expect(await calm.ask("y")).toBe("calm:y:1");
    expect(await own.ask("y")).toBe("own:y:2");

    const isolates = runtime.isolateStats();
    const folder = isolates.find((i) => i.kind === "folder")!;
    const mine = isolates.find((i) => i.kind === "own")!;
    expect(folder).toMatchObject({ name: "a", restarts: 1, state: "running" });
    expect([...folder.handlers].sort()).toEqual(["a/bomb.js", "a/calm.js"]);
    expect(mine).toMatchObject({ name: "a/own.js", handlers: ["a/own.js"], restarts: 0, state: "running" });
    expect(mine.cpuMs).toBeGreaterThan(0);
    // Heap figures are measured in the background: the next look has them.
    await waitUntil(() => runtime.isolateStats().every((i) => i.heapUsed > 0 && i.heapLimit >= 32 * 1024 * 1024));
  });

  it("lets a handler's own memory bomb restart only itself", async () => {
    const { url, runtime } = await startProject(files("own"), { memoryLimitMb: 32, cpuLimitMs: 10_000 });
    const [bomber, calm] = await Promise.all([TestClient.connect(url("bomb")), TestClient.connect(url("calm"))]);
    expect(await calm.ask("x")).toBe("calm:x:1");
    bomber.send("bomb");
    expect(String((await bomber.received(1, 15_000))[0])).toMatch(/^onError: Error: the sandbox was restarted/);
    expect(await calm.ask("y")).toBe("calm:y:2");
    expect(runtime.isolateStats().find((i) => i.name === "a/bomb.js")).toMatchObject({ kind: "own", restarts: 1 });
    expect(runtime.isolateStats().find((i) => i.name === "a")).toMatchObject({ restarts: 0 });
  });

  it("answers while a neighbour in the shared isolate runs to its CPU limit; the neighbour's sibling waits", async () => {
    const { url, runtime } = await startProject(files(), { cpuLimitMs: 1500 });
    const [bomber, calm, ownClient] = await Promise.all([TestClient.connect(url("bomb")), TestClient.connect(url("calm")), TestClient.connect(url("own"))]);
    expect(await calm.ask("warm")).toBe("calm:warm:1");
    bomber.send("spin");
    const bombRunning = () => runtime.handlerStats().find((h) => h.handler === "a/bomb.js")!.running;
    await waitUntil(() => bombRunning() > 0);
    // Its own isolate answers while the spin goes on; the shared isolate takes the sibling's event
    // only once the spin has used up its CPU limit.
    const folderCpu = () => runtime.isolateStats().find((i) => i.name === "a")!.cpuMs;
    expect(await ownClient.ask("during", 10_000)).toBe("own:during:1");
    expect(bombRunning()).toBeGreaterThan(0);
    expect(folderCpu()).toBeLessThan(1400);
    expect(await calm.ask("during", 10_000)).toBe("calm:during:2");
    expect(folderCpu()).toBeGreaterThanOrEqual(1400);
    expect(String((await bomber.received(1, 10_000))[0])).toMatch(/^onError: .*CPU/);
  });

  it("moves a handler between isolates when its descriptor changes, keeping its sessions open", async () => {
    const { url, runtime, project, logs } = await startProject(files());
    const calm = await TestClient.connect(url("calm"));
    expect(await calm.ask("x")).toBe("calm:x:1");
    await project.write("a/calm.websocket", descriptor("calm", "a/calm", { isolate: "own" }));
    await logs.waitFor((l) => l.msg === "a/calm.js now runs in an isolate of its own");
    expect(runtime.isolateStats().find((i) => i.name === "a/calm.js")).toMatchObject({ kind: "own", handlers: ["a/calm.js"] });
    // Like a reload: the session stays, module state starts afresh.
    expect(await calm.ask("y")).toBe("calm:y:1");
    expect(calm.isOpen).toBe(true);
    await project.write("a/calm.websocket", descriptor("calm", "a/calm"));
    await logs.waitFor((l) => l.msg === 'a/calm.js now runs in its folder\'s isolate ("a")');
    expect(runtime.isolateStats().some((i) => i.name === "a/calm.js")).toBe(false);
    expect(await calm.ask("z")).toBe("calm:z:1");
    expect(runtime.isolateStats().find((i) => i.name === "a")!.handlers).toContain("a/calm.js");
  });

  it("refuses an isolate value it does not know, naming the field", async () => {
    const { logs } = await startProject({ "a/x.js": COUNTER("x"), "a/x.websocket": descriptor("x", "a/x", { isolate: "private" }) });
    const line = await logs.waitFor((l) => l.code === "AEROSTAT_DESCRIPTOR_FIELD");
    expect(String(line.msg)).toMatch(/a\/x\.websocket:\d+:\d+.*field "isolate" must be "shared".*or "own"/);
  });
});
