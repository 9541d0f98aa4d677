import { describe, expect, it } from "vitest";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { nextReload, startProject } from "../helpers/runtime.js";
import type { Runtime } from "../../src/index.js";
import { MAX_LOSSES, WARMUP } from "../../src/sandbox/inline-policy.js";

// Replies with the message; "spin<ms>" first busy-waits that long.
const spinner = (tag: string) => `exports.onMessage = (m) => {
  if (m.startsWith("spin")) { const end = Date.now() + Number(m.slice(4)); while (Date.now() < end); }
  return ${JSON.stringify(tag)} + m;
};`;

/** The longest the host's event loop went without running a 5 ms interval while `during` ran. */
async function longestLoopGap(during: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let longest = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 5);
  try {
    await during();
  } finally {
    clearInterval(tick);
  }
  return Math.max(longest, performance.now() - last);
}


/**
 * Asks quick questions until the handler runs inline; at least `warmup` of
 * them. (An inline event that happens to take over a millisecond of CPU, a
 * garbage collection say, sends it back to earn it again.)
 */
async function earnInline(c: TestClient, runtime: Runtime, warmup: number): Promise<void> {
  for (let i = 0; i < warmup * 4; i++) {
    expect(await c.ask(`m${i}`)).toMatch(/:m\d+$/);
    if (i >= warmup && runtime.handlerStats()[0]?.dispatch === "inline") return;
  }
  throw new Error(`the handler did not earn inline dispatch in ${warmup * 4} quick events`);
}

describe("inline dispatch", () => {
  it("lets a quick handler's lone events run on the host's thread once it has earned it", async () => {
    const { runtime, url } = await startProject({ "p/h.js": spinner("a:"), "p/h.websocket": descriptor("h", "p/h") });
    const c = await TestClient.connect(url("h"));
    expect(runtime.handlerStats()[0]?.dispatch).toBe("worker");
    await earnInline(c, runtime, WARMUP - 2);
  });

  it("loses it after a slow event, logs why, and leaves the event loop free while it earns it back", async () => {
    const { runtime, url, logs } = await startProject({ "p/h.js": spinner("a:"), "p/h.websocket": descriptor("h", "p/h") });
    const c = await TestClient.connect(url("h"));
    await earnInline(c, runtime, WARMUP);

    expect(await c.ask("spin30")).toBe("a:spin30");
    const line = await logs.waitFor((l) => l.msg.includes("held the host's thread"));
    expect(line).toMatchObject({ handler: "p/h.js", until: "earned again" });
    expect(runtime.handlerStats()[0]?.dispatch).toBe("worker");

    // Quick events again, but fewer than the longer warm-up: a spin now leaves the host's loop free.
    for (let i = 0; i < WARMUP * 2; i++) await c.ask(`q${i}`);
    expect(runtime.handlerStats()[0]?.dispatch).toBe("worker");
    // Inline, the loop would wait the whole 900 ms; on the worker it goes on (other test files share the cores).
    const gap = await longestLoopGap(() => c.ask("spin900"));
    expect(gap).toBeLessThan(450);
  });

  it("is barred after the losses run out, until the file changes", async () => {
    const { runtime, project, url, logs } = await startProject({ "p/h.js": spinner("a:"), "p/h.websocket": descriptor("h", "p/h") });
    const c = await TestClient.connect(url("h"));
    for (let n = 0; n < MAX_LOSSES; n++) {
      await earnInline(c, runtime, WARMUP * 4 ** n);
      await c.ask("spin25");
    }
    await logs.waitFor((l) => l.msg.includes("until changed code loads") && l.until === "file changes");
    for (let i = 0; i < WARMUP * 4 ** MAX_LOSSES; i++) await c.ask(`m${i}`);
    expect(runtime.handlerStats()[0]?.dispatch).toBe("worker");

    const reloaded = nextReload(runtime, (e) => e.kind === "handler" && e.ok);
    await project.write("p/h.js", spinner("b:"));
    await reloaded;
    expect(await c.ask("n")).toBe("b:n");
    await earnInline(c, runtime, WARMUP);
  });

  it("stops an inline event at the CPU limit like any other, and bars inline dispatch until changed code loads", async () => {
    const { runtime, url, project } = await startProject(
      {
        "p/h.js": `${spinner("a:")}\nexports.onError = (e, c) => c.send("error: " + String(e));`,
        "p/h.websocket": descriptor("h", "p/h"),
      },
      { cpuLimitMs: 100 },
    );
    const c = await TestClient.connect(url("h"));
    await earnInline(c, runtime, WARMUP);
    const reply = String(await c.ask("spin5000"));
    expect(reply).toMatch(/^error: (Error: )?onMessage ran past the CPU limit of 100 ms/);
    expect(runtime.handlerStats()[0]?.dispatch).toBe("worker");
    expect(await c.ask("after")).toBe("a:after");

    // A save that does not load leaves the old code serving, and barred.
    const failed = nextReload(runtime, (e) => e.kind === "handler" && !e.ok);
    await project.write("p/h.js", "exports.onMessage = (m) => {");
    await failed;
    for (let i = 0; i < WARMUP * 2; i++) expect(await c.ask(`q${i}`)).toBe(`a:q${i}`);
    expect(runtime.handlerStats()[0]?.dispatch).toBe("worker");
    // New code that loads starts afresh.
    const loaded = nextReload(runtime, (e) => e.kind === "handler" && e.ok);
    await project.write("p/h.js", spinner("b:"));
    await loaded;
    await earnInline(c, runtime, WARMUP);
  });

  it("is never used when switched off", async () => {
    const { runtime, url } = await startProject(
      { "p/h.js": spinner("a:"), "p/h.websocket": descriptor("h", "p/h") },
      { inlineDispatch: false },
    );
    const c = await TestClient.connect(url("h"));
    for (let i = 0; i < WARMUP + 4; i++) await c.ask(`m${i}`);
    expect(runtime.handlerStats()[0]?.dispatch).toBe("off");
    const gap = await longestLoopGap(() => c.ask("spin900"));
    expect(gap).toBeLessThan(450);
  });
});
