import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../helpers/browser.js";
import { startProject, waitUntil } from "../helpers/runtime.js";
import { EvqClient, subscribeFrame } from "./evq-client.js";
import { eventsProject } from "./evq-project.js";

// In Chromium: a page's WebSocket gets the subprotocol it asked for, and the dashboard lists evQueue subscriptions.

describe("evqueue in Chromium", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("opens new WebSocket(url, \"events\") with ws.protocol \"events\" and the <ready> frame; without a subprotocol the handshake fails", async () => {
    const t = await startProject({ ...eventsProject(), "public/index.html": "<!doctype html><title>evq</title>" });
    const page = await browser.newPage();
    await page.goto(`${t.runtime.url}/index.html`);
    const opened = await page.evaluate(
      (url) =>
        new Promise<{ protocol: string; first: string }>((resolve, reject) => {
          const ws = new WebSocket(url, "events");
          ws.onmessage = (e) => {
            resolve({ protocol: ws.protocol, first: String(e.data) });
            ws.close();
          };
          ws.onerror = () => reject(new Error("the handshake failed"));
        }),
      t.url("jobs"),
    );
    expect(opened.protocol).toBe("events");
    expect(opened.first).toMatch(/^<ready profile="ADMIN" version="3\.3" node="[^"]+" time="\d{4}-\d\d-\d\d \d\d:\d\d:\d\d" status="OK"><modules\/><\/ready>$/);
    const refused = await page.evaluate(
      (url) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(url);
          ws.onopen = () => resolve("open");
          ws.onclose = (e) => resolve(`closed ${e.code}`);
        }),
      t.url("jobs"),
    );
    expect(refused).toBe("closed 1006");
    // The page can ask why (Aerostat-Refusal on a plain GET of the URL).
    const why = await page.evaluate(async (url) => decodeURIComponent((await fetch(url.replace(/^ws/, "http"))).headers.get("Aerostat-Refusal") ?? ""), t.url("jobs"));
    expect(why).toContain('open it with the subprotocol "api" or "events"');
    await page.close();
  });

  it("lists each evqueue endpoint's connections, subscriptions, events sent and failed sign-ins on the dashboard", async () => {
    const t = await startProject(eventsProject());
    const events = await EvqClient.ready(t.url("jobs"), "events");
    const api = await EvqClient.ready(t.url("jobs"), "api");
    events.send(subscribeFrame("JOB_DONE", '<jobs action="list"/>', { sendNow: true }));
    events.send(subscribeFrame("INSTANCE_STARTED", '<jobs action="list"/>'));
    await waitUntil(() => t.runtime.evqueueStats()[0]?.eventsSent === 1, 5000, "the send_now event");

    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await page.goto(t.runtime.dashboardUrl!);
    const row = page.locator('tr[data-evqueue-endpoint="jobs"]');
    await row.locator("td.subscriptions", { hasText: /^2$/ }).waitFor({ timeout: 5000 });
    expect(await row.locator("td").allTextContents()).toEqual(["jobs", "1", "1", "2", "INSTANCE_STARTED 1 · JOB_DONE 1", "1", expect.stringMatching(/^\d+(\.\d)?$/), "0", "0"]);
    expect(t.runtime.evqueueStats()[0]?.byType).toEqual([{ type: "INSTANCE_STARTED", count: 1 }, { type: "JOB_DONE", count: 1 }]);
    expect(await page.locator("#evqueue-count").textContent()).toBe("1 endpoints, 2 connections, 2 subscriptions");
    // Closing the events connection empties the table, live.
    await events.close();
    await row.locator("td.subscriptions", { hasText: /^0$/ }).waitFor({ timeout: 5000 });
    expect(await row.locator("td.subscribed-types").textContent()).toBe("—");
    expect(errors).toEqual([]);
    await Promise.all([page.close(), api.close()]);
  });
});
