import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { sampleInChromium } from "../helpers/browser.js";

const sample = sampleInChromium();

// sample-project/public/sc-chat.html: the stock socketcluster-client's browser bundle, served by aerostat,
// on the sc-chat endpoint (sample-project/sc-chat/).

async function open(): Promise<Page> {
  const page = await sample.browser.newPage();
  const failures: string[] = [];
  page.on("pageerror", (e) => failures.push(String(e)));
  await page.goto(`${sample.server.url}/sc-chat.html`);
  await page.locator("#state", { hasText: /^connected$/ }).waitFor({ timeout: 10_000 });
  expect(failures).toEqual([]);
  return page;
}

const sees = (page: Page, text: string | RegExp) => page.locator("#log li", { hasText: text }).first().waitFor({ timeout: 10_000 });
const count = (page: Page, text: string | RegExp) => page.locator("#log li", { hasText: text }).count();

async function signIn(page: Page, user: string, password: string): Promise<void> {
  await page.locator("#user").fill(user);
  await page.locator("#password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

async function join(page: Page, room: string): Promise<void> {
  await page.locator("#room").fill(room);
  await page.getByRole("button", { name: "Join" }).click();
  await sees(page, `* joined ${room}`);
}

async function say(page: Page, text: string): Promise<void> {
  await page.locator("#text").fill(text);
  await page.getByRole("button", { name: "Send" }).click();
}

describe("the sc-chat sample in Chromium", () => {
  it("signs in, and a message said on one page appears on the other", async () => {
    const ada = await open();
    const bob = await open();
    await signIn(ada, "Ada", "aerostat-sample");
    await ada.locator("#auth", { hasText: /^signed in as Ada$/ }).waitFor({ timeout: 10_000 });
    expect(await bob.locator("#auth").textContent()).toBe("signed out");
    await join(ada, "red");
    await join(bob, "red");

    await say(ada, "hello bob");
    await sees(bob, /^Ada: hello bob$/);
    await sees(ada, /^Ada: hello bob$/);

    // Reading is open to everyone, talking only to signed-in users.
    await say(bob, "may I?");
    await sees(bob, /^say failed: ForbiddenError: sign in to talk$/);
    await bob.locator("#who").click();
    await sees(bob, /^\* 2 here in red$/);

    // Bob is away: what was said meanwhile comes back through aerostat.recover once he is back, once.
    await bob.evaluate("socket.disconnect()");
    await bob.locator("#state", { hasText: /^disconnected/ }).waitFor();
    await say(ada, "said while bob was away");
    await sees(ada, /^Ada: said while bob was away$/);
    await bob.evaluate("socket.connect()");
    await sees(bob, /^Ada: said while bob was away$/);
    await say(ada, "after");
    await sees(bob, /^Ada: after$/);
    expect(await count(bob, /^Ada: hello bob$/)).toBe(1);
    expect(await count(bob, /^Ada: said while bob was away$/)).toBe(1);
    expect(await count(bob, "may be missing")).toBe(0);

    // A page opened later reads the room's last messages, then talks after signing in.
    const cy = await open();
    await join(cy, "red");
    expect(await cy.locator("#log li").allTextContents()).toEqual(["Ada: hello bob", "Ada: said while bob was away", "Ada: after", "* joined red"]);
    // The token is kept by the client: a reload is signed in again. Signing in as Ada elsewhere tells her private channel.
    await ada.reload();
    await ada.locator("#auth", { hasText: /^signed in as Ada$/ }).waitFor({ timeout: 10_000 });
    await expect.poll(() => ada.evaluate('socket.isSubscribed("private/Ada")'), { timeout: 10_000 }).toBe(true);
    await signIn(cy, "Ada", "aerostat-sample");
    await cy.locator("#auth", { hasText: /^signed in as Ada$/ }).waitFor({ timeout: 10_000 });
    await sees(ada, /^\* Ada signed in again on another page$/);
    await ada.getByRole("button", { name: "Sign out" }).click();
    await ada.locator("#auth", { hasText: /^signed out$/ }).waitFor();
    await Promise.all([ada.close(), bob.close(), cy.close()]);
  });

  it("shows a wrong password's error by name and stays signed out", async () => {
    const page = await open();
    await signIn(page, "Mallory", "guess");
    await sees(page, /^sign-in failed: BadCredentialsError: wrong password/);
    expect(await page.locator("#auth").textContent()).toBe("signed out");
    await signIn(page, "bad/name", "aerostat-sample");
    await sees(page, /^sign-in failed: InvalidArgumentsError: user is 1 to 24 letters/);
    await page.close();
  });
});
