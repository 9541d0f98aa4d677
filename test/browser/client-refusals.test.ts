import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../helpers/browser.js";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil, type TestRuntime } from "../helpers/runtime.js";

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** A page that loads the client and records what each of its sockets emits, by name. */
const PAGE = `<!doctype html><title>refusals</title><script type="module">
import { connect } from "/websockets/v4/client.js";
window.events = {};
window.start = (name, url) => {
  const seen = (window.events[name] = []);
  const socket = connect(url, { minDelayMs: 50, maxDelayMs: 100 });
  for (const type of ["open", "close", "reconnect", "refused"]) {
    socket.on(type, (e) => seen.push(type === "refused" ? "refused:" + e.status + ":" + e.reason : type === "reconnect" ? "reconnect:" + e.attempt : type));
  }
};
window.ready = true;
</script>`;

const FILES = {
  "public/index.html": PAGE,
  "p/open.js": "exports.onMessage = (m) => m;",
  "p/open.websocket": descriptor("open", "p/open"),
  "p/gate.js": "exports.onHandshake = () => false; exports.onMessage = (m) => m;",
  "p/gate.websocket": descriptor("gate", "p/gate"),
  "p/full.js": "exports.onMessage = (m) => m;",
  "p/full.websocket": descriptor("full", "p/full", { maxSessions: 1 }),
};

async function openPage(runtime: TestRuntime): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${runtime.runtime.url}/`);
  await page.waitForFunction(() => (globalThis as unknown as { ready?: boolean }).ready === true);
  return page;
}

const events = (page: Page, name: string) => page.evaluate((n) => (globalThis as unknown as { events: Record<string, string[]> }).events[n] ?? [], name);
const refusedLines = (served: TestRuntime, endpoint: string) =>
  served.logs.lines.filter((l) => /^refused a handshake/.test(l.msg) && l.endpoint === endpoint);

describe("the reconnecting client in Chromium, refused", () => {
  it("stops on 404 and 403 with a refused event, and keeps retrying on 503", async () => {
    const served = await startProject(FILES);
    const holder = await TestClient.connect(served.url("full"));
    const page = await openPage(served);
    const base = served.runtime.serviceUrl("").replace(/\/$/, "/");
    const crossOrigin = (endpoint: string) => served.runtime.serviceUrl(endpoint).replace("127.0.0.1", "localhost");
    await page.evaluate(
      ([b, cross]) => {
        const w = globalThis as unknown as { start(name: string, url: string): void };
        w.start("missing", b + "missing");
        w.start("gate", b + "gate");
        w.start("origin", cross);
        w.start("full", b + "full");
      },
      [base, crossOrigin("open")] as const,
    );
    await waitUntil(async () => (await events(page, "missing")).some((e) => e.startsWith("refused")), 10_000, "404 refused");
    await waitUntil(async () => (await events(page, "gate")).some((e) => e.startsWith("refused")), 10_000, "403 refused");
    await waitUntil(async () => (await events(page, "origin")).some((e) => e.startsWith("refused")), 10_000, "origin refused");
    // The 503 client is the clock: by its fourth attempt the refused ones would have retried.
    await waitUntil(async () => (await events(page, "full")).includes("reconnect:4"), 10_000, "503 retried");

    expect(await events(page, "missing")).toEqual(['close', 'refused:404:No endpoint "missing" is mounted.']);
    expect(await events(page, "gate")).toEqual(['close', 'refused:403:Endpoint "gate" refused the connection: onHandshake returned false']);
    const origin = await events(page, "origin");
    expect(origin).toHaveLength(2);
    expect(origin[1]).toMatch(/^refused:403:Origin http:\/\/127\.0\.0\.1:\d+ may not connect to "open"/);
    // The server saw one handshake from each refused client, and many from the one told 503.
    expect(refusedLines(served, "gate")).toHaveLength(1);
    expect(refusedLines(served, "open")).toHaveLength(1);
    expect(refusedLines(served, "full").length).toBeGreaterThanOrEqual(4);
    expect((await events(page, "full")).some((e) => e.startsWith("refused"))).toBe(false);
    holder.close();
    await page.close();
  });
});
