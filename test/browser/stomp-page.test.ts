import { describe, expect, it } from "vitest";
import { sampleInChromium } from "../helpers/browser.js";

const sample = sampleInChromium();

// The page shape of Dirigible 7+: SockJS to /stomp, Stomp.over(socket), a SEND to /ws/stomp/<endpoint>,
// answers on /user/queue/reply/<endpoint> as {from, text, time}.
describe("a Dirigible 7+ page in Chromium", () => {
  it("connects over SockJS and STOMP, sends, and shows the handler's answer", async () => {
    const page = await sample.browser.newPage();
    const failures: string[] = [];
    page.on("pageerror", (e) => failures.push(String(e)));
    await page.goto(`${sample.server.url}/dirigible/test.html`);
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
    expect(sample.server.process.output()).toContain("Message received: hi there, from: Ada");
    await page.locator("#disconnect").click();
    await page.locator("#state", { hasText: /^disconnected$/ }).waitFor();
    expect(failures).toEqual([]);
    await page.close();
  });
});
