import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { sampleInChromium } from "../helpers/browser.js";

// The evQueue sample (sample-project/jobs/, public/jobs.html) in Chromium: the page lists
// instances through evQueueCluster's event subscriptions, launches, kills and deletes jobs.

const t = sampleInChromium();
/** Errors thrown in the pages. */
const failures: string[] = [];

type Seen = { seen: string[]; loadedOnce: boolean };

/** Opens the jobs page and waits until both its connections are READY; it notes every status a row shows. */
async function open(): Promise<Page> {
  const page = await t.browser.newPage();
  page.on("pageerror", (e) => failures.push(String(e)));
  await page.goto(`${t.server.url}/jobs.html`);
  await page.locator("#state", { hasText: /^api READY · events READY · node \S+ · evQueue 3\.3 · modules jobs 1\.0$/ }).waitFor({ timeout: 10_000 });
  // Each status change of each row, in order ("3 EXECUTING"), and a mark a reload would lose.
  await page.evaluate(`
    window.seen = [];
    window.loadedOnce = true;
    const last = new Map();
    const tbody = document.getElementById("instances");
    new MutationObserver(() => {
      for (const row of tbody.querySelectorAll("tr")) {
        const status = row.children[2].textContent;
        if (last.get(row.dataset.id) !== status) window.seen.push(row.dataset.id + " " + status);
        last.set(row.dataset.id, status);
      }
    }).observe(tbody, { childList: true, subtree: true, characterData: true });
  `);
  return page;
}

const row = (page: Page, name: string) => page.locator("#instances tr", { has: page.locator("td", { hasText: new RegExp(`^${name}$`) }) });
const cell = (page: Page, name: string, column: number) => row(page, name).locator(`td:nth-child(${column})`);
const seen = (page: Page) => page.evaluate(() => (globalThis as unknown as Seen).seen);

async function launch(page: Page, name: string, seconds: string): Promise<void> {
  await page.locator("input[name=name]").fill(name);
  await page.locator("input[name=seconds]").fill(seconds);
  await page.getByRole("button", { name: "Launch" }).click();
}

describe("the jobs sample in Chromium", () => {
  it("lists a launched job live on two pages, EXECUTING then TERMINATED; kill and delete reach both; a bad name shows the script's error", async () => {
    const a = await open();
    const b = await open();

    await launch(a, "quick job", "0.3");
    await a.locator("#done", { hasText: /^launched instance \d+$/ }).waitFor({ timeout: 10_000 });
    const id = (await a.locator("#done").textContent())!.replace("launched instance ", "");
    for (const page of [a, b]) {
      await cell(page, "quick job", 3).filter({ hasText: /^TERMINATED$/ }).waitFor({ timeout: 10_000 });
      // Both states reached the page as they happened, on the page that launched and on the other one.
      expect(await seen(page)).toEqual([`${id} EXECUTING`, `${id} TERMINATED`]);
      expect(await cell(page, "quick job", 6).textContent()).toBe("0");
      expect(await page.evaluate(() => (globalThis as unknown as Seen).loadedOnce)).toBe(true);
    }

    // Launched on b, killed on a, deleted on b: every page follows.
    await launch(b, "long job", "60");
    await cell(a, "long job", 3).filter({ hasText: /^EXECUTING$/ }).waitFor({ timeout: 10_000 });
    await row(a, "long job").getByRole("button", { name: "Kill" }).click();
    for (const page of [a, b]) {
      await cell(page, "long job", 3).filter({ hasText: /^TERMINATED$/ }).waitFor({ timeout: 10_000 });
      expect(await cell(page, "long job", 6).textContent()).toBe("1");
    }
    await row(b, "long job").getByRole("button", { name: "Delete" }).click();
    for (const page of [a, b]) await row(page, "long job").waitFor({ state: "detached", timeout: 10_000 });
    expect(await row(a, "quick job").count()).toBe(1);
    expect(await a.locator("#problems").textContent()).toBe("");

    // The script's ApiError, as the page shows it.
    await launch(a, "bad/name", "1");
    await a
      .locator("#problems", { hasText: 'instance launch: a job\'s name is 1 to 64 letters, digits, spaces, ".", "_" or "-"; got "bad/name" (INVALID_PARAMETER)' })
      .waitFor({ timeout: 10_000 });
    expect(await a.locator("#instances tr").count()).toBe(1);

    // The server warned of nothing about the jobs endpoint: a KO answer is the client's, not a fault.
    expect(t.server.process.output()).toMatch(/INFO: loaded jobs\/jobs\.ts/);
    expect(t.server.process.output()).not.toMatch(/(WARN|ERROR|FATAL): [^\n]*jobs/);
    expect(failures).toEqual([]);
    await a.close();
    await b.close();
  });
});
