import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Runtime } from "../../src/index.js";
import { launchChromium } from "../helpers/browser.js";
import { TestClient } from "../helpers/client.js";
import { descriptor, TempProject } from "../helpers/project.js";
import { createTestRuntime, LogCapture, waitUntil } from "../helpers/runtime.js";

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** A page that loads the MonoRail client and records what it hears. */
const PAGE = `<!doctype html><title>monorail</title><script type="module">
import { connect } from "/websockets/v4/monorail.js";
window.seen = { ready: [], items: [], lists: [], errors: [], opens: 0 };
window.start = (url) => {
  const rail = connect(url, { minDelayMs: 50, maxDelayMs: 200 });
  rail.on("ready", (id) => window.seen.ready.push(id));
  rail.on("item", (msg) => window.seen.items.push(msg));
  rail.on("list", (msg) => window.seen.lists.push(msg));
  rail.on("error", (msg) => window.seen.errors.push(msg));
  rail.on("open", () => window.seen.opens++);
  rail.ready(() => {
    rail.watch("nodes", { rack: "a" });
    rail.get("nodes", { id: "1" });
  });
  window.rail = rail;
};
window.loaded = true;
</script>`;

const FILES = {
  "public/index.html": PAGE,
  "p/rack.js": `
    const monorail = require("net/v4/monorail");
    monorail.resource("nodes", { get: (params) => ({ id: params.id, name: "node " + params.id }) });
    exports.onMessage = () => {};`,
  "p/rack.websocket": descriptor("rack", "p/rack", { protocol: "monorail" }),
  "p/control.js": `
    const monorail = require("net/v4/monorail");
    exports.onMessage = (message, c) => { const m = JSON.parse(message); monorail.change("nodes", m.event, m.id, m.record); c.send("ok"); };`,
  "p/control.websocket": descriptor("control", "p/control"),
};

interface Seen {
  ready: string[];
  items: { handler: string; resource: string; type: string; id: unknown; data: unknown }[];
  lists: unknown[];
  errors: unknown[];
  opens: number;
}

async function start(root: string, port: number): Promise<Runtime> {
  const runtime = createTestRuntime({ projectRoot: root, port, host: "127.0.0.1", logger: new LogCapture().logger, reloadDebounceMs: 30 });
  await runtime.listen();
  return runtime;
}

async function change(runtime: Runtime, event: string, id: string, record: unknown): Promise<void> {
  const c = await TestClient.connect(runtime.serviceUrl("control"));
  await c.ask(JSON.stringify({ event, id, record }));
  c.close();
}

describe("the MonoRail client in Chromium", () => {
  it("watches and gets an item, and after a server restart reconnects with a new session and its watch resumed", async () => {
    const project = await TempProject.create(FILES);
    let runtime = await start(project.root, 0);
    const port = Number(new URL(runtime.url).port);
    const page = await browser.newPage();
    try {
      await page.goto(`${runtime.url}/`);
      await page.waitForFunction(() => (globalThis as unknown as { loaded?: boolean }).loaded === true);
      await page.evaluate((url) => (globalThis as unknown as { start: (u: string) => void }).start(url), runtime.serviceUrl("rack"));
      const seen = () => page.evaluate(() => (globalThis as unknown as { seen: Seen }).seen);
      await waitUntil(async () => (await seen()).items.length >= 1, 5000, "the get's item");
      expect((await seen()).items[0]).toEqual({ handler: "item", resource: "nodes", type: "nodes", id: "1", data: { id: "1", name: "node 1" } });
      const first = (await seen()).ready[0]!;
      expect(first).toMatch(/^s\d+$/);

      await waitUntil(() => runtime.monorailStats().watchers === 1, 5000, "the watch");
      await change(runtime, "created", "7", { id: "7" });
      await waitUntil(async () => (await seen()).items.length >= 2, 5000, "the change");
      expect((await seen()).items[1]).toMatchObject({ handler: "item", id: ["created", "7"], data: { id: "7" } });

      // The server goes away and a new one starts on the same port.
      await runtime.close(200);
      runtime = await start(project.root, port);
      await waitUntil(async () => (await seen()).ready.length >= 2, 10_000, "a fresh init after the reconnect");
      const s = await seen();
      expect(s.opens).toBe(2);
      expect(s.ready[1]).toMatch(/^s\d+$/);
      // The new process numbers its sessions afresh: the session is new all the same (a session frame of this connection).
      await waitUntil(() => runtime.monorailStats().watchers === 1, 5000, "the watch sent again");
      await change(runtime, "updated", "7", { id: "7", name: "after restart" });
      await waitUntil(async () => (await seen()).items.some((i) => JSON.stringify(i.id) === '["updated","7"]'), 5000, "a change after the restart");
      // The page's ready() ran once: its get was not repeated, and no error frame came (the drop's socket errors aside).
      expect((await seen()).items.filter((i) => i.id === "1")).toHaveLength(1);
      expect((await seen()).errors.filter((e) => (e as { handler: string }).handler !== "socket")).toEqual([]);
    } finally {
      await page.close();
      await runtime.close(200);
      await project.dispose();
    }
  });
});
