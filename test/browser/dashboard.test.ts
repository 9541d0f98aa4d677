import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { create } from "socketcluster-client";
import { describe, expect, it } from "vitest";
import { sampleInChromium } from "../helpers/browser.js";
import { TestClient } from "../helpers/client.js";

/** Where the screenshot goes; `npm run screenshot` points this at docs/dashboard.png for the README. */
const SCREENSHOT = process.env.AEROSTAT_SCREENSHOT ?? path.join(tmpdir(), "aerostat-dashboard.png");

const sample = sampleInChromium();

/** A socketcluster endpoint's handler: a sign-in and a procedure that fails by name. */
const SC_HANDLER = `
  const { ChannelError } = require("net/v4/channels");
  exports.onInvoke = async (procedure, data, connection) => {
    if (procedure === "login") { await connection.setAuthToken({ user: "ann" }); return "ok"; }
    if (procedure === "fail") throw new ChannelError("BadThing", "nope");
  };
`;

async function samplePage(): Promise<Page> {
  const page = await sample.browser.newPage();
  await page.goto(`${sample.server.url}/`);
  await page.locator('section[data-endpoint="echo"] .state', { hasText: /^open$/ }).waitFor();
  return page;
}

async function say(page: Page, endpoint: string, text: string): Promise<void> {
  const box = page.locator(`section[data-endpoint="${endpoint}"]`);
  await box.locator("input").fill(text);
  await box.getByRole("button", { name: "Send" }).click();
}

describe("the dashboard in Chromium", () => {
  it("shows endpoints, live session counts, traffic and errors with file:line, pushed over its WebSocket", async () => {
    const user = await samplePage();
    const dashboard = await sample.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const sockets: string[] = [];
    dashboard.on("websocket", (ws) => sockets.push(new URL(ws.url()).pathname));
    // A blocked load (the page's Content-Security-Policy) or a script error shows up here.
    const consoleErrors: string[] = [];
    dashboard.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
    dashboard.on("pageerror", (e) => consoleErrors.push(e.message));
    expect(sample.server.dashboardUrl).toMatch(/\/websockets\/v4\/\?token=[A-Za-z0-9_-]{22}$/);
    await dashboard.goto(sample.server.dashboardUrl!);
    await dashboard.locator("#status", { hasText: "live" }).waitFor();
    await dashboard.locator("#engine-name", { hasText: /^memory$/ }).waitFor();
    await expect(dashboard.locator("#engine-state").textContent()).resolves.toBe("ready");

    const echoRow = dashboard.locator('tr[data-endpoint="echo"]');
    await echoRow.locator(".sessions", { hasText: /^1$/ }).waitFor();
    await expect(echoRow.locator("td").nth(4).textContent()).resolves.toBe("echo/echo.websocket");
    await expect(echoRow.locator("td").nth(5).textContent()).resolves.toBe("echo/echo.js");
    await expect(dashboard.locator('tr[data-endpoint="greeter"] td').nth(5).textContent()).resolves.toBe(
      "greeter/greeter.ts",
    );

    // A second visitor shows up without a reload: the server pushed it.
    const visitor = await samplePage();
    await echoRow.locator(".sessions", { hasText: /^2$/ }).waitFor();

    // Traffic over several of the dashboard's pushes, so the chart has a shape:
    // each round is echoed back to the page, and the dashboard draws a new frame before the next.
    const echoed = user.locator('section[data-endpoint="echo"] li', { hasText: /^echo: / });
    for (let round = 0, sent = 0; round < 4; round++) {
      const texts = ["one", "two", "three"].slice(0, round + 1);
      for (const text of texts) await say(user, "echo", text);
      sent += texts.length;
      await expect.poll(() => echoed.count(), { timeout: 5000 }).toBe(sent);
      const chartIn = () => dashboard.locator("#line-in").getAttribute("points");
      const drawn = await chartIn();
      await expect.poll(chartIn, { timeout: 5000 }).not.toBe(drawn);
    }
    await say(visitor, "chat", "hello everyone");
    await say(user, "greeter", "Grace");
    await say(user, "greeter", "");
    await dashboard.locator("#errors li", { hasText: "greeter/greeter.ts:16:11" }).waitFor();
    await expect(dashboard.locator("#errors li").first().textContent()).resolves.toMatch(
      /onMessage threw Error: a greeting needs a name.*endpoint greeter/,
    );
    // Inbound frames reach the chart: some point of the "in" line is above the baseline.
    await dashboard.waitForFunction(
      `document.getElementById("line-in").getAttribute("points").split(" ").some((p) => Number(p.split(",")[1]) < 128)`,
      undefined,
      { timeout: 5000 },
    );
    await expect(dashboard.locator("#line-in").getAttribute("points")).resolves.toMatch(/^(\S+,\S+ ){58}\S+,\S+$/);

    // Updates came over the dashboard's own socket, not by polling.
    expect(sockets).toEqual(["/websockets/v4/dashboard"]);
    expect(consoleErrors).toEqual([]);

    await dashboard.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
  });

  it("clears the errors, details and closes a session, tails the log, and fits 420 px", async () => {
    const user = await samplePage();
    await say(user, "greeter", "");
    const dashboard = await sample.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const pageErrors: string[] = [];
    dashboard.on("pageerror", (e) => pageErrors.push(e.message));
    await dashboard.goto(sample.server.dashboardUrl!);
    await dashboard.locator("#errors li", { hasText: "a greeting needs a name" }).first().waitFor();

    // Clear: the list empties (the server pushed the change).
    await dashboard.locator("#clear-errors").click();
    await dashboard.locator("#errors li.empty", { hasText: "No handler errors." }).waitFor();

    // A client the test holds, to see the close code. Pages of the test before may hold sessions too.
    const echoRow = dashboard.locator('tr[data-endpoint="echo"]');
    const before = Number(await echoRow.locator(".sessions").textContent());
    const client = await TestClient.connect(`${sample.server.url.replace(/^http/, "ws")}/websockets/v4/service/echo`);
    await echoRow.locator(".sessions", { hasText: new RegExp(`^${before + 1}$`) }).waitFor();
    await echoRow.getByRole("button", { name: "Details" }).click();
    const sessionRows = dashboard.locator('tr[data-details-of="echo"] tr[data-session]');
    await expect.poll(() => sessionRows.count(), { timeout: 5000 }).toBe(before + 1);
    // Sessions are listed in the order they opened: the test's client is the last.
    const mine = sessionRows.last();
    const id = await mine.getAttribute("data-session");
    expect(id).toMatch(/^s\d+$/);
    await expect(mine.textContent()).resolves.toContain("127.0.0.1");
    await expect(sessionRows.first().textContent()).resolves.toContain(sample.server.url);
    await mine.getByRole("button", { name: "Close" }).click();
    expect(await client.closed).toEqual({ code: 1008, reason: "closed from the dashboard" });
    await expect.poll(() => sessionRows.count(), { timeout: 5000 }).toBe(before);

    // The log tail shows the close, coloured by its level.
    const line = dashboard.locator("#log li.info", { hasText: `dashboard: closed session ${id} on echo` });
    await line.waitFor();
    // The chart's scale: a top value and a middle one.
    await expect(dashboard.locator("#y-max").textContent()).resolves.toMatch(/^\d+$/);

    // The isolates: the greeter folder's, with its handler, its CPU time and its heap against the limit.
    await dashboard.locator("#isolates tr", { hasText: /greeter\/greeter\.ts.*\d+\.\d\d s\d+\.\d MiB of \d+\.\d MiB0running/ }).waitFor();

    // The Channels panel: the sample's sc-chat, then a socketcluster endpoint added while serving, a stock client on it.
    await dashboard.locator('tr[data-sc-endpoint="sc-chat"]').waitFor();
    const folder = path.join(sample.server.root, "live");
    mkdirSync(folder);
    writeFileSync(path.join(folder, "live.js"), SC_HANDLER);
    const live = { handler: "live/live", endpoint: "live", protocol: "socketcluster" };
    writeFileSync(path.join(folder, "live.websocket"), JSON.stringify(live));
    const scRow = dashboard.locator('tr[data-sc-endpoint="live"]');
    await scRow.waitFor();
    const port = Number(new URL(sample.server.url).port);
    const sc = create({ hostname: "127.0.0.1", port, path: "/websockets/v4/service/live", autoReconnect: false });
    try {
      await sc.listener("connect").once(5000);
      await sc.subscribe("room").listener("subscribe").once(5000);
      await sc.invoke("login", null);
      await sc.invoke("fail", null).catch(() => undefined);
      await dashboard.locator('#channels tr[data-channel="room"] .subscribers', { hasText: /^1$/ }).waitFor();
      await scRow.locator(".signed-in", { hasText: /^1$/ }).waitFor();
      await scRow.locator(".calls", { hasText: /^2$/ }).waitFor();
      await expect(scRow.locator('[data-error="BadThing"]').textContent()).resolves.toBe("BadThing × 1");
    } finally {
      sc.disconnect();
    }

    // A phone: the page does not scroll sideways; wide tables scroll in their box.
    await dashboard.setViewportSize({ width: 420, height: 900 });
    await dashboard.locator("#log li").first().waitFor();
    const widths = await dashboard.evaluate<{ scroll: number; inner: number }>(
      "({ scroll: document.scrollingElement.scrollWidth, inner: innerWidth })",
    );
    expect(widths.scroll).toBeLessThanOrEqual(widths.inner);
    await dashboard.screenshot({ path: SCREENSHOT.replace(/\.png$/, "-420.png"), fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});
