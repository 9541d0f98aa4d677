import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
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

/** Waits for a line in the page's log. */
async function sees(page: Page, text: string | RegExp, timeout = 10_000): Promise<void> {
  await page.locator("#log li", { hasText: text }).first().waitFor({ timeout });
}

async function state(page: Page, text: string | RegExp, timeout = 10_000): Promise<void> {
  await page.locator("#state", { hasText: text }).waitFor({ timeout });
}

/** Opens the rooms page, signs in as `nick` and joins `room`, as a person would. */
async function enter(url: string, nick: string, room: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${url}/rooms.html`);
  await page.locator("#nick").fill(nick);
  await page.getByRole("button", { name: "Sign in" }).click();
  await state(page, `online as ${nick}`);
  await page.locator("#room").fill(room);
  await page.getByRole("button", { name: "Join" }).click();
  await sees(page, new RegExp(`^in ${room}: `));
  return page;
}

async function say(page: Page, text: string): Promise<void> {
  await page.locator("#text").fill(text);
  await page.getByRole("button", { name: "Send" }).click();
}

const edit = (file: string, change: (text: string) => string) => {
  const at = path.join(root, file);
  writeFileSync(at, change(readFileSync(at, "utf8")));
};

describe("the rooms sample in Chromium", () => {
  it("keeps two signed-in users in their room through a handler edit, a server restart and a descriptor typo", async () => {
    let server = await ServedProject.start(root);
    const ada = await enter(server.url, "Ada", "red");
    const bob = await enter(server.url, "Bob", "red");
    await sees(ada, "* Bob joined red");
    await say(ada, "hello bob");
    await sees(bob, "Ada: hello bob");

    // A handler edit: module state is gone, but nick and room live in connection.data and onReload rebuilds the index.
    edit("rooms/rooms.ts", (t) => t.replace('return { type: "members", room: me.room, members: members(me.room) };', 'return { type: "members", room: me.room, members: members(me.room).map((n) => n + "!") };'));
    await server.process.waitFor(/reloaded rooms\/rooms\.ts/);
    await say(bob, "after the edit");
    await sees(ada, "Bob: after the edit");
    await bob.locator("#room").fill("red");
    await bob.getByRole("button", { name: "Join" }).click();
    await sees(bob, "in red: Ada!, Bob!");

    // An edit of the imported helper reloads the handlers that import it.
    edit("rooms/util.ts", (t) => t.replace('case "say":\n      return typeof c.text === "string" && c.text.length > 0', 'case "say":\n      return typeof c.text === "string" && c.text.length > 1'));
    await server.process.waitFor(/reloaded rooms\/rooms\.ts[\s\S]*reloaded rooms\/rooms\.ts|reloaded rooms\/util\.ts/);
    await say(ada, "x");
    await sees(ada, "error: say needs a text of 1 to 2000 characters");

    // A restart: both come back with their tokens; hello() joins again before the queued message goes out.
    await server.kill();
    await state(ada, /^reconnecting/);
    await say(ada, "sent while away");
    server = await server.restart();
    await state(ada, "online as Ada", 20_000);
    await state(bob, "online as Bob", 20_000);
    await sees(ada, "Ada: sent while away");
    await say(ada, "after the restart");
    await sees(bob, "Ada: after the restart");
    expect(await ada.locator("#log li", { hasText: "join a room first" }).count()).toBe(0);

    // A typo in the descriptor's handler: the old handler keeps serving, sessions stay open.
    edit("rooms/rooms.websocket", (t) => t.replace('"rooms/rooms"', '"rooms/romos"'));
    await server.process.waitFor(/rooms keeps serving|keeps serving rooms\/rooms\.ts/);
    await say(bob, "after the typo");
    await sees(ada, "Bob: after the typo");
    await state(ada, "online as Ada");
    edit("rooms/rooms.websocket", (t) => t.replace('"rooms/romos"', '"rooms/rooms"'));
  });

  it("refuses a forged token with 401 and stops retrying", async () => {
    const server = await ServedProject.start(root);
    const page = await browser.newPage();
    await page.goto(`${server.url}/rooms.html`);
    await page.evaluate(() => sessionStorage.setItem("rooms-token", "Mallory.99999999999999.forged"));
    await page.reload();
    await state(page, "refused (401)");
    await sees(page, /refused \(401\)/);
    expect(await page.locator("#sign-in").isVisible()).toBe(true);
    await server.process.waitFor(/401.*rooms|rooms.*401/);
  });
});
