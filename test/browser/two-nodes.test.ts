import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../helpers/browser.js";
import { copyOfSampleProject, killAll, REPO, ServedProject } from "../helpers/cli-process.js";
import { RedisServer } from "../helpers/redis-server.js";
import { waitUntil } from "../helpers/runtime.js";

// The README's "Running several nodes" example: two nodes of sample-project on
// one Redis, a page on each, a chat line typed on A shows up on B.

/**
 * The README example's `npm run aerostat -- serve sample-project …` commands, as
 * flags for ServedProject: the same flags, but port 0, this test's Redis, and
 * files of sample-project/ read from the copy at `root`.
 */
/** The sign-in key the README's first command makes, made here beside the project copy. */
function keyFile(root: string): string {
  const file = path.join(root, "..", `${path.basename(root)}-auth.key`);
  if (!existsSync(file)) writeFileSync(file, randomBytes(48).toString("base64"));
  return file;
}

function readmeNodes(redisUrl: string, root: string): { name: string; flags: string[] }[] {
  const section = readFileSync(path.join(REPO, "README.md"), "utf8").split("\n## Running several nodes\n")[1]!.split("\n## ")[0]!;
  return [...section.matchAll(/^npm run aerostat -- serve sample-project (.+)$/gm)].map(([, rest]) => {
    const words = rest!.trim().split(/\s+/);
    const flags: string[] = [];
    for (let i = 0; i < words.length; i++) {
      const word = words[i]!;
      if (word === "--port" || word === "--redis-url") i++; // skip the value
      if (word === "--redis-url") flags.push(word, redisUrl);
      else if (words[i - 1] === "--auth-key-file") flags.push(keyFile(root));
      else if (word.startsWith("sample-project/")) flags.push(path.join(root, word.slice("sample-project/".length)));
      else if (word !== "--port") flags.push(word);
    }
    return { name: flags[flags.indexOf("--node-name") + 1]!, flags };
  });
}

let browser: Browser;
let root: string;
let redis: RedisServer;
beforeAll(async () => {
  browser = await launchChromium();
  root = copyOfSampleProject();
  redis = await RedisServer.start();
});
afterAll(async () => {
  await browser?.close();
  if (root) {
    rmSync(root, { recursive: true, force: true });
    rmSync(keyFile(root), { force: true });
  }
});
afterEach(() => killAll());

const chat = (page: Page) => page.locator('section[data-endpoint="chat"]');

async function openChat(url: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${url}/`);
  await chat(page).locator(".state", { hasText: /^open$/ }).waitFor({ timeout: 10_000 });
  return page;
}

describe("two nodes of the sample project on one Redis, a page on each", () => {
  it("shows a chat line typed on node A on node B's page, and B's on A's", async () => {
    const nodes = readmeNodes(redis.url, root);
    expect(nodes.map((n) => n.name)).toEqual(["a", "b"]);
    for (const n of nodes) expect(n.flags).toEqual(["--engine", "redis", "--redis-url", redis.url, "--node-name", n.name, "--auth-key-file", keyFile(root)]);
    const a = await ServedProject.start(root, 0, ["--no-watch", ...nodes[0]!.flags]);
    const b = await ServedProject.start(root, 0, ["--no-watch", ...nodes[1]!.flags]);
    const onA = await openChat(a.url);
    const onB = await openChat(b.url);
    // Both nodes listen on the chat project's broadcast channel once they serve its sessions.
    await waitUntil(async () => (await redis.cli("pubsub", "numsub", "aerostat:{chat}:ws:broadcast")).trim().endsWith("\n2") || undefined, 10_000, "both nodes on the chat channel");

    await chat(onA).locator("input").fill("hello from node A");
    await chat(onA).getByRole("button", { name: "Send" }).click();
    await chat(onB).locator("li", { hasText: /^a\.s\d+: hello from node A$/ }).waitFor({ timeout: 10_000 });

    await chat(onB).locator("input").fill("and back from B");
    await chat(onB).getByRole("button", { name: "Send" }).click();
    await chat(onA).locator("li", { hasText: /^b\.s\d+: and back from B$/ }).waitFor({ timeout: 10_000 });
    // Once each, and the sender does not hear its own line back: its node drops the echo from Redis.
    expect(await chat(onB).locator("li", { hasText: /^a\.s\d+: hello from node A$/ }).count()).toBe(1);
    expect(await chat(onA).locator("li", { hasText: /^a\.s\d+: hello from node A$/ }).count()).toBe(0);
  });

  it("carries an sc-chat room across the nodes: signed in on A, heard on B", async () => {
    const [na, nb] = readmeNodes(redis.url, root);
    const a = await ServedProject.start(root, 0, ["--no-watch", ...na!.flags]);
    const b = await ServedProject.start(root, 0, ["--no-watch", ...nb!.flags]);
    const scChat = async (url: string, room: string) => {
      const page = await browser.newPage();
      await page.goto(`${url}/sc-chat.html`);
      await page.locator("#room").fill(room);
      await page.getByRole("button", { name: "Join" }).click();
      await page.locator("#log li", { hasText: `* joined ${room}` }).waitFor({ timeout: 10_000 });
      return page;
    };
    const onA = await scChat(a.url, "blue");
    const onB = await scChat(b.url, "blue");
    await onA.locator("#user").fill("Ada");
    await onA.locator("#password").fill("aerostat-sample");
    await onA.getByRole("button", { name: "Sign in" }).click();
    await onA.locator("#auth", { hasText: /^signed in as Ada$/ }).waitFor({ timeout: 10_000 });
    await onA.locator("#text").fill("from node A");
    await onA.getByRole("button", { name: "Send" }).click();
    await onB.locator("#log li", { hasText: /^Ada: from node A$/ }).waitFor({ timeout: 10_000 });
    await onB.locator("#who").click();
    await onB.locator("#log li", { hasText: /^\* 2 here in blue$/ }).waitFor({ timeout: 10_000 });
  });
});
