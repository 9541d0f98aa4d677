import { randomBytes } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import type { Browser, Page } from "playwright-core";
import { Connection } from "rabbitmq-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../helpers/browser.js";
import { copyOfSampleProject, killAll, ServedProject } from "../helpers/cli-process.js";
import { describeWith, SERVICES } from "../helpers/services.js";

// The rack sample (sample-project/rack/, public/rack.html): a Postgres table whose trigger notifies,
// a postgres .listener turning notifications into monorail.change(), a RabbitMQ exchange of workflow
// logs watched through the mq resource, and a page watching both.

let browser: Browser;
let root: string;
beforeAll(async () => {
  browser = await launchChromium();
  root = copyOfSampleProject();
});
afterAll(async () => {
  killAll();
  await browser?.close();
  rmSync(root, { recursive: true, force: true });
});

async function open(server: ServedProject): Promise<Page> {
  const page = await browser.newPage();
  const failures: string[] = [];
  page.on("pageerror", (e) => failures.push(String(e)));
  await page.goto(`${server.url}/rack.html`);
  await page.locator("#state", { hasText: /^session / }).waitFor({ timeout: 10_000 });
  expect(failures).toEqual([]);
  return page;
}

describe("the rack sample without Postgres or RabbitMQ", () => {
  it("says which connections are missing and serves the rest", async () => {
    const server = await ServedProject.start(root);
    try {
      await server.process.waitFor(/rack-nodes\.listener:\d+:\d+: .*"rack-db"/);
      await server.process.waitFor(/rack\.websocket:\d+:\d+: field "monorail\.mq\.connection" names connection "rack-mq", which this server was not given/);
      expect(server.process.output()).toContain("--connection rack-db=");
      const page = await open(server);
      await page.locator("#problems", { hasText: 'the mq resource is off: connection "rack-mq"' }).waitFor({ timeout: 10_000 });
      expect(await page.locator("#nodes tr").count()).toBe(0);
      await page.close();
    } finally {
      server.process.child.kill("SIGTERM");
      await server.process.exited;
    }
  });
});

await describeWith(["postgres", "rabbitmq"], "the rack sample on Postgres and RabbitMQ", () => {
  const database = `aerostat_rack_${randomBytes(5).toString("hex")}`;
  const dbUrl = `postgres://postgres@127.0.0.1:5432/${database}`;
  let admin: pg.Client;
  let db: pg.Client;
  let rabbit: Connection;
  let server: ServedProject;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: SERVICES.postgres.url, application_name: "aerostat-test-rack-admin" });
    admin.on("error", () => undefined);
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    db = new pg.Client({ connectionString: dbUrl, application_name: "aerostat-test-rack" });
    db.on("error", () => undefined);
    await db.connect();
    // The README's set-up step: psql … -f sample-project/rack/schema.sql
    await db.query(readFileSync(path.join(root, "rack", "schema.sql"), "utf8"));
    rabbit = new Connection({ url: SERVICES.rabbitmq.url, connectionName: `aerostat test rack ${database}` });
    rabbit.on("error", () => undefined);
    await rabbit.exchangeDeclare({ exchange: "rack.logs", type: "topic", durable: true });
    server = await ServedProject.start(root, 0, ["--connection", `rack-db=${dbUrl}`, "--connection", `rack-mq=${SERVICES.rabbitmq.url}`]);
    await server.process.waitFor(/listener rack-nodes listening on connection "rack-db"/);
  });

  afterAll(async () => {
    server?.process.child.kill("SIGTERM");
    await server?.process.exited;
    await db?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin?.end();
    await rabbit?.close();
  });

  it("shows a node inserted into the table, and an UPDATE reaches the watching page within 200 ms", async () => {
    const page = await open(server);
    await db.query("INSERT INTO rack_nodes (id, name) VALUES ('n1', 'node one')");
    const row = page.locator('#nodes tr[data-id="n1"]');
    await row.locator("td", { hasText: /^discovered$/ }).waitFor({ timeout: 10_000 });

    // The page notes when the status cell says "ready"; the clock is this machine's on both sides.
    await page.evaluate(`
      new MutationObserver(() => {
        const cell = document.querySelector('#nodes tr[data-id="n1"] td:nth-child(3)');
        if (window.readyAt === undefined && cell?.textContent === "ready") window.readyAt = Date.now();
      }).observe(document.getElementById("nodes"), { childList: true, subtree: true, characterData: true });
    `);
    const sent = Date.now();
    await db.query("UPDATE rack_nodes SET status = 'ready' WHERE id = 'n1'");
    await page.waitForFunction("window.readyAt !== undefined", undefined, { timeout: 10_000 });
    const readyAt = (await page.evaluate("window.readyAt")) as number;
    expect(readyAt - sent).toBeLessThan(200);

    await db.query("DELETE FROM rack_nodes WHERE id = 'n1'");
    await row.waitFor({ state: "detached", timeout: 10_000 });
    await page.close();
  });

  it("lists the workflow logs published to rack.logs", async () => {
    const page = await open(server);
    const key = `workflow.${randomBytes(4).toString("hex")}.log`;
    const publisher = rabbit.createPublisher();
    // The mq watch binds once the page asked for it: publish until the page has the line.
    await expect
      .poll(
        async () => {
          await publisher.send({ exchange: "rack.logs", routingKey: key }, { step: "pxe-boot", ok: true });
          return page.locator("#logs li", { hasText: `${key}: {"step":"pxe-boot","ok":true}` }).count();
        },
        { timeout: 10_000, interval: 200 },
      )
      .toBeGreaterThan(0);
    await publisher.close();
    expect(await page.locator("#problems").textContent()).toBe("");
    await page.close();
  });
});
