import { createClient } from "redis";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { launchChromium } from "../helpers/browser.js";
import { descriptor } from "../helpers/project.js";
import { SERVICES, describeWith } from "../helpers/services.js";
import { startProject } from "../helpers/runtime.js";
import { listenerFile, PROBE_HANDLER, unique, waitForListener } from "../helpers/listener-probe.js";

await describeWith(["redis"], "the dashboard's Listeners panel in Chromium", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("shows each listener with its connection (password hidden), state and counts", async () => {
    const channel = unique("panel");
    const { runtime } = await startProject(
      {
        "p/h.js": PROBE_HANDLER,
        "p/probe.websocket": descriptor("probe", "p/h"),
        "p/jobs.listener": listenerFile({ source: "redis", connection: "cache", channels: [channel], handler: "p/h" }),
      },
      { connections: { cache: "redis://:hidden-pw@127.0.0.1:6379" } },
    );
    await waitForListener(runtime, "jobs", (s) => s.state === "up");
    const publisher = createClient({ url: SERVICES.redis.url });
    await publisher.connect();
    await publisher.publish(channel, "one");
    await publisher.close();
    await waitForListener(runtime, "jobs", (s) => s.delivered === 1);

    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await page.goto(runtime.dashboardUrl!);
    const row = page.locator('tr[data-listener="jobs"]');
    await row.locator("td", { hasText: /^up$/ }).waitFor();
    const cells = await row.locator("td").allTextContents();
    expect(cells.slice(0, 4)).toEqual(["jobs", "redis", "cache redis://:***@127.0.0.1:6379", "up"]);
    expect(cells[6]).toBe("1");
    expect(await page.locator("#listener-count").textContent()).toBe("1 listeners, 0 gaps, 0 dropped");
    expect(await page.content()).not.toContain("hidden-pw");
    expect(errors).toEqual([]);
    await page.close();
  });
});
