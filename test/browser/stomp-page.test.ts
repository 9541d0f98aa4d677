import { rmSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../helpers/browser.js";
import { copyOfSampleProject, killAll, ServedProject } from "../helpers/cli-process.js";

let browser: Browser;
let root: string;
let server: ServedProject;
beforeAll(async () => {
  browser = await launchChromium();
  root = copyOfSampleProject();
  server = await ServedProject.start(root);
});
afterAll(async () => {
  await browser?.close();
  killAll();
  if (root) rmSync(root, { recursive: true, force: true });
});

// The page shape of Dirigible 7+: SockJS to /stomp, Stomp.over(socket), a SEND to /ws/stomp/<endpoint>,
// answers on /user/queue/reply/<endpoint> as {from, text, time}.
describe("a Dirigible 7+ page in Chromium", () => {
  it("connects over SockJS and STOMP, sends, and shows the handler's answer", async () => {
    const page = await browser.newPage();
    const failures: string[] = [];
    page.on("pageerror", (e) => failures.push(String(e)));
    await page.goto(`${server.url}/dirigible/test.html`);
    await page.locator("#from").fill("Ada");
    await page.locator("#connect").click();
    await page.locator("#state", { hasText: /^connected$/ }).waitFor({ timeout: 10_000 });
    await page.locator("#text").fill("hi there");
    await page.locator("#send").click();
    const reply = page.locator("#response p.reply").first();
    await reply.waitFor({ timeout: 10_000 });
    expect(await reply.textContent()).toMatch(/^Ada: Hello from WebSocket! \[hi there\] \(\d\d:\d\d\)$/);
    // SockJS chose its WebSocket transport.
    expect(await page.evaluate("client.webSocket.transport")).toBe("websocket");
    expect(server.process.output()).toContain("Message received: hi there, from: Ada");
    await page.locator("#disconnect").click();
    await page.locator("#state", { hasText: /^disconnected$/ }).waitFor();
    expect(failures).toEqual([]);
    await page.close();
  });
});
