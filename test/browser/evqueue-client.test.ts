import { createHash, randomBytes } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { XmlNode } from "../../src/protocols/evqueue/xml.js";
import { launchChromium } from "../helpers/browser.js";
import { challengeResponse, EvqEngine, sha1Hex } from "../helpers/evqueue-engine.js";
import { startProject, waitUntil } from "../helpers/runtime.js";

// The evQueue client as aerostat serves it, in Chromium, against two engine stand-ins.

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** A page that loads the client from aerostat's route and records what it hears. */
const PAGE = `<!doctype html><title>evqueue</title><script type="module">
import { evQueueCluster, evQueueWS } from "/websockets/v4/evqueue.js";
window.seen = { states: [], events: [] };
window.evq = { evQueueCluster, evQueueWS };
window.start = async (urls) => {
  evQueueWS.credentials = { user: "admin", passwordSha1: await evQueueWS.hashPassword("secret") };
  const options = { minDelayMs: 50, maxDelayMs: 200 };
  window.api = new evQueueCluster(urls, null, (node, state) => window.seen.states.push(node + " " + state), options);
  window.events = new evQueueCluster(urls, (doc, info) => {
    const el = doc.documentElement;
    window.seen.events.push({ node: el.getAttribute("node"), externalId: info.externalId, eventId: info.eventId });
  }, null, options);
  await window.events.Subscribe("INSTANCE_STARTED", { group: "instances", action: "list", attributes: { label: "日本語 ✓" }, node: "*" }, false, 0, 5);
};
window.nodesOf = async (api) => {
  const answer = await window.api.API(api);
  return (Array.isArray(answer) ? answer : [answer]).map((d) => d && d.documentElement.getAttribute("node"));
};
window.loaded = true;
</script>`;

interface Seen {
  states: string[];
  events: { node: string; externalId: number; eventId: number | null }[];
}

type PageGlobals = {
  loaded?: boolean;
  seen: Seen;
  start(urls: string[]): Promise<void>;
  nodesOf(api: object): Promise<(string | null)[]>;
  evq: {
    evQueueWS: { subtle: unknown; hashPassword(p: string): Promise<string>; challengeResponse(c: string, k: string): Promise<string> };
  };
};
const g = (): PageGlobals => globalThis as unknown as PageGlobals;

const instances = (q: XmlNode) => [{ name: "instance", attributes: { id: "1", group: q.name } }];

async function openPage(url: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${url}/`);
  await page.waitForFunction(() => (globalThis as unknown as { loaded?: boolean }).loaded === true);
  return page;
}

describe("the evQueue client in Chromium", () => {
  it("hashes as node:crypto does with WebCrypto and with its own SHA-1", async () => {
    const t = await startProject({ "public/index.html": PAGE });
    const page = await openPage(t.runtime.url);
    try {
      const challenge = randomBytes(20).toString("hex");
      const password = "pässwörd ✓";
      const both = await page.evaluate(
        async ([c, k, p]) => {
          const ws = (globalThis as unknown as PageGlobals).evq.evQueueWS;
          const out: string[] = [String(typeof crypto.subtle === "object")];
          for (const subtle of [undefined, null]) {
            ws.subtle = subtle;
            out.push(await ws.challengeResponse(c, k), await ws.hashPassword(p));
          }
          return out;
        },
        [challenge, sha1Hex("secret"), password] as const,
      );
      const hmac = challengeResponse(challenge, sha1Hex("secret"));
      const sha1 = createHash("sha1").update(password, "utf8").digest("hex");
      expect(both).toEqual(["true", hmac, sha1, hmac, sha1]);
      // The files the entry imports are served beside it; nothing else is.
      expect((await fetch(`${t.runtime.url}/websockets/v4/evqueue/ws.js`)).status).toBe(200);
      expect((await fetch(`${t.runtime.url}/websockets/v4/evqueue/missing.js`)).status).toBe(404);
    } finally {
      await page.close();
    }
  });

  it('answers "*" from both nodes, fails over when one is killed, and after its restart gets its subscription back with send_now', async () => {
    const e1 = await EvqEngine.start({ node: "e1", users: { admin: "secret" }, api: instances });
    const e2 = await EvqEngine.start({ node: "e2", users: { admin: "secret" }, api: instances });
    const t = await startProject({ "public/index.html": PAGE });
    const page = await openPage(t.runtime.url);
    const seen = () => page.evaluate(() => (globalThis as unknown as PageGlobals).seen);
    try {
      await page.evaluate((urls) => (globalThis as unknown as PageGlobals).start(urls), [e1.url, e2.url]);
      // Subscribe resolves once its frame went out; the engines read it a moment later.
      await waitUntil(() => e1.subscriptions.length === 1 && e2.subscriptions.length === 1, 5000, "the subscription on both engines");
      expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).nodesOf({ group: "instances", action: "list", node: "*" }))).toEqual(["e1", "e2"]);
      expect(e1.connections("events")).toHaveLength(1);
      expect(e1.subscriptions[0]?.api.attributes).toEqual({ action: "list", label: "日本語 ✓" });
      expect(e1.raise("INSTANCE_STARTED", 9)).toBe(1);
      await waitUntil(async () => (await seen()).events.length === 1, 5000, "the event from e1");
      await waitUntil(() => e1.received.some((r) => r.frame.attributes["action"] === "ack"), 5000, "its ack");

      await e1.kill();
      await waitUntil(async () => (await seen()).states.includes("e1 ERROR"), 5000, "e1 seen down");
      expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).nodesOf({ group: "instances", action: "list" }))).toEqual(["e2"]);

      await e1.restart();
      await waitUntil(async () => (await seen()).events.length === 2, 10_000, "the send_now result after e1's restart");
      expect((await seen()).events[1]).toMatchObject({ node: "e1", externalId: 5 });
      const subscribes = e1.received.filter((r) => r.frame.attributes["action"] === "subscribe").map((r) => r.frame.attributes["send_now"]);
      expect(subscribes).toEqual(["no", "yes"]);
      // The command cluster reconnects to e1 on its own schedule, apart from the events cluster.
      await waitUntil(async () => {
        const s = (await seen()).states;
        return s.lastIndexOf("e1 READY") > s.indexOf("e1 ERROR");
      }, 10_000, "the command cluster's e1 READY again");
      const states = (await seen()).states;
      expect(states.lastIndexOf("e1 READY")).toBeGreaterThan(states.indexOf("e1 ERROR"));
      expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).nodesOf({ group: "instances", action: "list" }))).toEqual(["e1"]);
    } finally {
      await page.close();
      await e1.stop();
      await e2.stop();
    }
  });
});
