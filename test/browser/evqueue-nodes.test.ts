import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Runtime } from "../../src/index.js";
import { launchChromium } from "../helpers/browser.js";
import { freePort, RedisServer } from "../helpers/redis-server.js";
import { createTestRuntime, LogCapture, startProject, waitUntil, type TestRuntime } from "../helpers/runtime.js";
import { adminPassword, apiCalls, signedInProject } from "../evqueue/signed-in-project.js";

// The evQueue client as aerostat serves it, in Chromium, against two aerostat nodes with an
// evqueue endpoint (sign-in on) on one Redis: routing, failover, fan-out, a subscription moving
// off a node that fails, and a node's return.

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** A page that loads the client from the node's route and records what it hears. */
const PAGE = `<!doctype html><title>evqueue nodes</title><script type="module">
import { evQueueCluster, evQueueWS } from "/websockets/v4/evqueue.js";
window.seen = { states: [], events: [] };
const options = { minDelayMs: 50, maxDelayMs: 200 };
const rootOf = (doc) => doc && { name: doc.documentElement.nodeName, node: doc.documentElement.getAttribute("node"), status: doc.documentElement.getAttribute("status") };
window.start = async (urls, password, withEvents) => {
  evQueueWS.credentials = { user: "admin", passwordSha1: await evQueueWS.hashPassword(password) };
  window.api = new evQueueCluster(urls, null, (node, state) => window.seen.states.push(node + " " + state), options);
  if (!withEvents) return;
  window.events = new evQueueCluster(urls, (doc, info) => {
    const jobs = [...doc.documentElement.getElementsByTagName("job")].map((j) => j.getAttribute("objectId"));
    window.seen.events.push({ ...rootOf(doc), info, jobs, error: doc.documentElement.getAttribute("error") });
  }, null, options);
};
window.ask = async (api) => {
  try {
    const answer = await window.api.API(api);
    return { ok: true, roots: Array.isArray(answer) ? answer.map(rootOf) : rootOf(answer) };
  } catch (e) {
    return { ok: false, message: e.message, code: e.code, sent: e.sent };
  }
};
window.subscribe = async (...args) => {
  try {
    await window.events.Subscribe(...args);
    return "sent";
  } catch (e) {
    return "rejected: " + e.message;
  }
};
window.loaded = true;
</script>`;

interface Root {
  name: string;
  node: string;
  status: string;
}
interface Seen {
  states: string[];
  events: (Root & { info: { externalId: number; objectId: string; eventId: number | null; node: string }; jobs: string[]; error: string | null })[];
}
type Answer = { ok: true; roots: Root | Root[] } | { ok: false; message: string; code: string; sent: boolean };

/** Evaluates `expression` in the page (its globals: seen, start, ask, subscribe, api, events). */
const inPage = <T>(page: Page, expression: string): Promise<T> => page.evaluate(expression) as Promise<T>;
const call = (fn: string, ...args: unknown[]) => `${fn}(${args.map((a) => JSON.stringify(a)).join(", ")})`;

/** Two nodes n1 (on a port chosen first, so that it can come back on it) and n2, and a page of n1's. */
async function twoNodes(passwords: { n1?: string; n2?: string } = {}) {
  const redis = await RedisServer.start();
  const port = await freePort();
  // n2 serves pages of n1's origin: the same descriptor on both nodes lets them in.
  const files = { ...signedInProject({}, { allowedOrigins: [`http://127.0.0.1:${port}`] }), "public/index.html": PAGE };
  const engine = { engine: "redis", redisUrl: redis.url } as const;
  const n1 = await startProject(files, { ...engine, nodeName: "n1", port, ...adminPassword(passwords.n1) });
  const n2 = await startProject(files, { ...engine, nodeName: "n2", ...adminPassword(passwords.n2) });
  await n2.logs.waitFor((l) => l.msg === "engine redis: node n2, 2 peers seen");
  const page = await browser.newPage();
  const logs: string[] = [];
  page.on("console", (m) => logs.push(`${m.type()}: ${m.text()}`));
  await page.goto(`${n1.runtime.url}/`);
  await page.waitForFunction(() => (globalThis as unknown as { loaded?: boolean }).loaded === true);
  const urls = [n1.url("jobs"), n2.url("jobs")];
  return { redis, port, n1, n2, page, urls, logs };
}

const seen = (page: Page) => inPage<Seen>(page, "seen");
/** The events of one subscription (by its external id), in order. */
const eventsOf = async (page: Page, externalId: number) => (await seen(page)).events.filter((e) => e.info.externalId === externalId);
const ask = (page: Page, api: object) => inPage<Answer>(page, call("ask", api));
const states = (page: Page) => inPage<string[]>(page, "api.GetStates()");

/** n1 again on its port, on the same project folder. */
async function restart(n1: TestRuntime, port: number, redisUrl: string): Promise<Runtime> {
  const runtime = createTestRuntime({ projectRoot: n1.project.root, port, host: "127.0.0.1", logger: new LogCapture().logger, reloadDebounceMs: 30, engine: "redis", redisUrl, nodeName: "n1", ...adminPassword() });
  await runtime.listen();
  return runtime;
}

describe("the evQueue client in Chromium against two aerostat nodes", () => {
  it('routes to n1, answers "*" from both, gets events raised on n2, fails over when n1 dies (a subscription without a node moving to n2) and gets its subscription back when n1 returns', async () => {
    const { redis, port, n1, n2, page, urls } = await twoNodes();
    let again: Runtime | undefined;
    try {
      await inPage(page, call("start", urls, "secret", true));
      await waitUntil(async () => (await states(page)).every((s) => s === "READY"), 5000, "both nodes READY");
      expect(await inPage(page, "api.GetNodes()")).toEqual(["n1", "n2"]);
      expect(await ask(page, { group: "jobs", action: "list" })).toEqual({ ok: true, roots: { name: "response", node: "n1", status: "OK" } });
      const all = await ask(page, { group: "jobs", action: "list", node: "*" });
      expect(all).toEqual({ ok: true, roots: [expect.objectContaining({ node: "n1", status: "OK" }), expect.objectContaining({ node: "n2", status: "OK" })] });

      // A subscription on n1, and one without a node (on n1 too, the first node up); the event is raised by n2's
      // script, and n1 re-runs the commands for its subscriber.
      expect(await inPage(page, call("subscribe", "JOB_DONE", { group: "jobs", action: "list", node: "n1" }, true, 0, 7))).toBe("sent");
      expect(await inPage(page, call("subscribe", "JOB_DONE", { group: "jobs", action: "list" }, false, 0, 8))).toBe("sent");
      await waitUntil(async () => (await eventsOf(page, 7)).length === 1, 5000, "the send_now event");
      await waitUntil(() => n1.runtime.evqueueStats()[0]?.subscriptions === 2, 5000, "both subscriptions on n1");
      expect(await ask(page, { group: "raise", action: "go", attributes: { type: "JOB_DONE", ids: "42" }, node: "n2" })).toMatchObject({ ok: true, roots: { node: "n2" } });
      await waitUntil(async () => (await eventsOf(page, 7)).length === 2 && (await eventsOf(page, 8)).length === 1, 5000, "the event raised on n2, for both");
      const [now, raised] = await eventsOf(page, 7);
      expect(now).toMatchObject({ node: "n1", status: "OK", info: { externalId: 7, objectId: "0" }, jobs: ["0"] });
      expect(raised).toMatchObject({ node: "n1", status: "OK", info: { externalId: 7, objectId: "42" }, jobs: ["42"] });
      expect((await eventsOf(page, 8))[0]).toMatchObject({ node: "n1", status: "OK", info: { externalId: 8, objectId: "42" }, jobs: ["42"] });
      expect(n1.runtime.evqueueStats()[0]).toMatchObject({ subscriptions: 2, eventsSent: 3 });
      expect(n2.runtime.evqueueStats()[0]).toMatchObject({ subscriptions: 0, eventsSent: 0 });

      // n1 goes away: the page sees it in ERROR, the next command is answered by n2, and the subscription
      // without a node moves to n2 with send_now (the one named n1 waits for n1).
      await n1.runtime.close(200);
      await waitUntil(async () => (await seen(page)).states.includes("n1 ERROR"), 5000, "n1 seen down");
      expect(await ask(page, { group: "jobs", action: "list" })).toEqual({ ok: true, roots: { name: "response", node: "n2", status: "OK" } });
      expect(await ask(page, { group: "jobs", action: "list", node: "*" })).toMatchObject({ ok: true, roots: [{ node: "n2" }] });
      await waitUntil(async () => (await eventsOf(page, 8)).length === 2, 5000, "the send_now event from n2");
      expect((await eventsOf(page, 8))[1]).toMatchObject({ node: "n2", status: "OK", info: { externalId: 8, objectId: "0" } });
      expect(n2.runtime.evqueueStats()[0]).toMatchObject({ subscriptions: 1 });

      // n1 comes back on its port: READY again, and its own subscription is sent again with send_now; the moved one stays on n2.
      again = await restart(n1, port, redis.url);
      await waitUntil(async () => (await eventsOf(page, 7)).length === 3, 10_000, "the send_now event after n1's restart");
      expect((await eventsOf(page, 7))[2]).toMatchObject({ node: "n1", status: "OK", info: { externalId: 7, objectId: "0" } });
      const s = (await seen(page)).states;
      expect(s.lastIndexOf("n1 READY")).toBeGreaterThan(s.indexOf("n1 ERROR"));
      expect(again.evqueueStats()[0]).toMatchObject({ subscriptions: 1 });
      // And events raised on n2 reach both: the one named n1 from n1, the moved one from n2.
      await ask(page, { group: "raise", action: "go", attributes: { type: "JOB_DONE", ids: "43" }, node: "n2" });
      await waitUntil(async () => (await eventsOf(page, 7)).length === 4 && (await eventsOf(page, 8)).length === 3, 5000, "an event raised on n2 after the restart");
      expect((await eventsOf(page, 7))[3]).toMatchObject({ node: "n1", info: { externalId: 7, objectId: "43" } });
      expect((await eventsOf(page, 8))[2]).toMatchObject({ node: "n2", info: { externalId: 8, objectId: "43" } });
      expect(again.evqueueStats()[0]).toMatchObject({ subscriptions: 1 });
      expect(n2.runtime.evqueueStats()[0]).toMatchObject({ subscriptions: 1 });
      expect(await ask(page, { group: "jobs", action: "list" })).toMatchObject({ ok: true, roots: { node: "n1" } });
    } finally {
      await page.close();
      await again?.close(200);
    }
  });

  it('n1 refusing the password: the command waiting there and Connect() reject "Authentication error", nothing fails over for that, and n1 is not tried again', async () => {
    const { n1, n2, page, urls, logs } = await twoNodes({ n1: "another" });
    try {
      // Sent while both nodes sign in: it waits on n1, the first node.
      const first = await inPage<Answer>(page, `start(${JSON.stringify(urls)}, "secret", false).then(() => ${call("ask", { group: "jobs", action: "list" })})`);
      expect(first).toEqual({ ok: false, message: "Authentication error", code: "AUTHENTICATION", sent: false });
      expect(apiCalls(n2.logs.lines, "jobs")).toBe(0);
      await waitUntil(async () => (await states(page)).join() === "ERROR,READY", 5000, "n1 in ERROR, n2 READY");
      // n1 never said its name: the page knows it by its URL.
      expect((await seen(page)).states).toContain(`${urls[0]} ERROR`);
      expect(await inPage(page, `api.GetNodeByCnx(${JSON.stringify(urls[0])}).GetLastError()`)).toBe("AUTHENTICATION");
      expect(logs.some((l) => l.startsWith("warning: evQueue: ") && l.includes("refused the sign-in"))).toBe(true);

      // Named, n1 refuses at once; Connect() tries once more and is refused again.
      expect(await ask(page, { group: "jobs", action: "list", node: urls[0] })).toMatchObject({ ok: false, code: "AUTHENTICATION", message: expect.stringMatching(/^Authentication error: /) });
      expect(await inPage(page, `api.GetNodeByCnx(${JSON.stringify(urls[0])}).Connect().then(() => "ready", (e) => e.message)`)).toBe("Authentication error");
      // Commands without a node go to the first node that is not in ERROR.
      expect(await ask(page, { group: "jobs", action: "list" })).toEqual({ ok: true, roots: { name: "response", node: "n2", status: "OK" } });
      expect(await ask(page, { group: "jobs", action: "list", node: "*" })).toMatchObject({ ok: true, roots: [{ node: "n2" }] });
      // Two sign-ins in all: the first and the one Connect() asked for, no retries in between or since.
      expect(n1.runtime.evqueueStats()[0]).toMatchObject({ authFailures: 2, api: 0 });
      expect(apiCalls(n1.logs.lines, "jobs")).toBe(0);
    } finally {
      await page.close();
    }
  });

  it("an unknown event type: Subscribe resolves, the eventCallback gets the KO with its external id and the console says why; the connection stays", async () => {
    const { n1, page, urls, logs } = await twoNodes();
    try {
      await inPage(page, call("start", urls, "secret", true));
      expect(await inPage(page, call("subscribe", "JOB_DONNE", { group: "jobs", action: "list", node: "n1" }, true, 0, 9))).toBe("sent");
      await waitUntil(async () => (await seen(page)).events.length === 1, 5000, "the KO frame");
      const [ko] = (await seen(page)).events;
      expect(ko).toMatchObject({ node: "n1", status: "KO", info: { externalId: 9, eventId: null }, jobs: [] });
      expect(ko!.error).toMatch(/^unknown event type "JOB_DONNE": subscribe to one of evQueue's standard events/);
      await waitUntil(() => logs.find((l) => l.startsWith("warning: evQueue: ") && l.includes('unknown event type "JOB_DONNE"')), 5000, "the warning");
      // The same connection goes on: a right subscription gets its event.
      expect(await inPage(page, call("subscribe", "JOB_DONE", { group: "jobs", action: "list", node: "n1" }, true, 0, 10))).toBe("sent");
      await waitUntil(async () => (await seen(page)).events.length === 2, 5000, "the send_now event");
      expect((await seen(page)).events[1]).toMatchObject({ node: "n1", status: "OK", info: { externalId: 10, eventId: 1 } });
      expect(n1.runtime.evqueueStats()[0]).toMatchObject({ events: 1, subscriptions: 1 });
    } finally {
      await page.close();
    }
  });
});
