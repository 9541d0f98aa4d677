import { rmSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../helpers/browser.js";
import { copyOfSampleProject, killAll, ServedProject } from "../helpers/cli-process.js";

let browser: Browser;
let root: string;
beforeAll(async () => {
  browser = await launchChromium();
  root = copyOfSampleProject();
});
afterAll(async () => {
  await browser?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});
afterEach(() => killAll());

const section = (page: Page, endpoint: string) => page.locator(`section[data-endpoint="${endpoint}"]`);

/** Types into an endpoint's box and presses Send, as a person would. */
async function send(page: Page, endpoint: string, text: string): Promise<void> {
  await section(page, endpoint).locator("input").fill(text);
  await section(page, endpoint).getByRole("button", { name: "Send" }).click();
}

/** Waits for a line in an endpoint's message list. */
async function sees(page: Page, endpoint: string, text: string | RegExp): Promise<void> {
  await section(page, endpoint).locator("li", { hasText: text }).first().waitFor({ timeout: 10_000 });
}

async function openSample(url: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${url}/`);
  for (const endpoint of ["echo", "chat", "greeter", "my-endpoint"]) {
    await section(page, endpoint).locator(".state", { hasText: /^open$/ }).waitFor({ timeout: 10_000 });
  }
  return page;
}

describe("the sample page in Chromium", () => {
  it("exchanges messages with the echo, TypeScript greeter and reference endpoints", async () => {
    const server = await ServedProject.start(root);
    const page = await openSample(server.url);
    await sees(page, "echo", /^connected to echo as s\d+$/);
    await send(page, "echo", "hello from chromium");
    await sees(page, "echo", "echo: hello from chromium");

    await send(page, "greeter", "Ada");
    await sees(page, "greeter", "hello, Ada (visitor 1)");
    await send(page, "greeter", "");
    await sees(page, "greeter", "error: Error: a greeting needs a name");
    await server.process.waitFor(/greeter\/greeter\.ts:16:11: onMessage threw Error: a greeting needs a name/);

    // The reference handler only logs: its answer is in the server's output.
    await send(page, "my-endpoint", "hello seed");
    await server.process.waitFor(/Message received: hello seed/);
    expect(server.process.output()).toMatch(/Message received: hello seed.*"endpoint":"my-endpoint"/);
  });

  it("lets two pages in the chat see each other's messages", async () => {
    const server = await ServedProject.start(root);
    const alice = await openSample(server.url);
    const bob = await openSample(server.url);
    await sees(alice, "chat", /^\* s\d+ joined \(2 here\)$/);
    await send(alice, "chat", "hi bob, alice here");
    await sees(bob, "chat", /^s\d+: hi bob, alice here$/);
    await send(bob, "chat", "hello alice");
    await sees(alice, "chat", /^s\d+: hello alice$/);
    // Nobody hears their own chat line back.
    expect(await section(alice, "chat").locator("li", { hasText: /^s\d+: hi bob/ }).count()).toBe(0);
  });

  it("reconnects after the server is killed and restarted, and delivers what was sent meanwhile", async () => {
    let server = await ServedProject.start(root);
    const page = await openSample(server.url);
    await send(page, "echo", "before");
    await sees(page, "echo", "echo: before");

    await server.kill();
    await section(page, "echo").locator(".state", { hasText: /^reconnecting \(attempt \d+/ }).waitFor({ timeout: 10_000 });
    await send(page, "echo", "while away");
    await sees(page, "echo", "> while away (queued)");

    server = await server.restart();
    await section(page, "echo").locator(".state", { hasText: "open (reconnected)" }).waitFor({ timeout: 20_000 });
    await sees(page, "echo", "echo: while away");
    await send(page, "echo", "after");
    await sees(page, "echo", "echo: after");
  });
});
