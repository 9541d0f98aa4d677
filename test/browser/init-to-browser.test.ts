import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../helpers/browser.js";
import { CliProcess, killAll, ServedProject } from "../helpers/cli-process.js";

let browser: Browser;
let parent: string;
beforeAll(async () => {
  browser = await launchChromium();
  parent = mkdtempSync(path.join(tmpdir(), "aerostat-newuser-"));
});
afterAll(async () => {
  killAll();
  await browser?.close();
  rmSync(parent, { recursive: true, force: true });
});

describe("from aerostat init to a browser", () => {
  it("serves the scaffolded TypeScript handler to its page, and picks up an edit", async () => {
    const dir = path.join(parent, "my-app");
    expect(await new CliProcess(["init", dir]).exited).toBe(0);
    const server = await ServedProject.start(dir);
    expect(server.process.output()).toMatch(/hello\s+ws:\/\/127\.0\.0\.1:\d+\/websockets\/v4\/service\/hello/);

    const one = await browser.newPage();
    const two = await browser.newPage();
    for (const page of [one, two]) {
      await page.goto(`${server.url}/`);
      await page.locator("#state", { hasText: "open" }).waitFor();
    }
    await one.locator("#log li", { hasText: /^welcome, s\d+: 1 connected$/ }).waitFor();
    await two.locator("#log li", { hasText: /^welcome, s\d+: 2 connected$/ }).waitFor();

    await one.locator("input").fill("hi from one");
    await one.getByRole("button", { name: "Send" }).click();
    await one.locator("#log li", { hasText: "you said: hi from one" }).waitFor();
    await two.locator("#log li", { hasText: /^s\d+ says: hi from one$/ }).waitFor();

    // Edit the handler: the log says it reloaded, and the open page gets the new code.
    const handler = path.join(dir, "app/hello.ts");
    writeFileSync(handler, readFileSync(handler, "utf8").replace("you said:", "you wrote:"));
    await server.process.waitFor(/reloaded app\/hello\.ts in [\d.]+ ms/);
    await one.locator("input").fill("again");
    await one.getByRole("button", { name: "Send" }).click();
    await one.locator("#log li", { hasText: "you wrote: again" }).waitFor();
  });
});
