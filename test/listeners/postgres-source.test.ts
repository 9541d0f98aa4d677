import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import type { PostgresListenerSpec } from "../../src/config/listener-spec.js";
import type { ListenerSource } from "../../src/listeners/source.js";
import { postgresApplicationName, postgresSource, type PostgresSourceOptions } from "../../src/listeners/sources/postgres.js";
import { waitUntil } from "../helpers/runtime.js";
import { describeWith, SERVICES } from "../helpers/services.js";
import { capturingLogger, closedPort, RecordingHooks } from "./recording-hooks.js";
import { TcpProxy } from "./tcp-proxy.js";

await describeWith(["postgres"], "postgres listener source", () => {
  let admin: pg.Client;
  const sources: ListenerSource[] = [];
  const proxies: TcpProxy[] = [];

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: SERVICES.postgres.url, application_name: "aerostat-test-admin" });
    admin.on("error", () => undefined);
    await admin.connect();
  });
  afterEach(async () => {
    for (const source of sources.splice(0)) await source.close();
    for (const proxy of proxies.splice(0)) await proxy.close();
  });
  afterAll(async () => {
    await admin.end();
  });

  /** A started source on unique channels (through `url` when given), up and listening. */
  async function start(channels: (id: string) => string[], options: PostgresSourceOptions = {}, url: string = SERVICES.postgres.url) {
    const id = randomUUID().slice(0, 8);
    const spec: PostgresListenerSpec = {
      source: "postgres",
      file: "db.listener",
      name: `pg-test-${id}`,
      connection: "db",
      handler: "app/db",
      description: "",
      channels: channels(id),
    };
    const hooks = new RecordingHooks();
    const { logger, lines } = capturingLogger();
    const source = postgresSource(spec, { name: "db", kind: "postgres", url }, hooks, logger, options);
    sources.push(source);
    source.start();
    await waitUntil(() => hooks.connects.length === 1, 10_000, "the listener to be up");
    expect(hooks.connects).toEqual([false]);
    expect(source.state).toBe("up");
    return { spec, hooks, lines, source, applicationName: postgresApplicationName(spec.name) };
  }

  const notify = (channel: string, payload: string) => admin.query("SELECT pg_notify($1, $2)", [channel, payload]);
  const backends = async (applicationName: string) =>
    (await admin.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = $1", [applicationName])).rows.map((r) => r.pid);

  it("delivers notifications with their channel, names that need quoting included", async () => {
    const { spec, hooks } = await start((id) => [`orders_${id}`, `Odd "name" ${id}; DROP`]);
    const channels = spec.channels;
    await notify(channels[0]!, "hello");
    await notify(channels[1]!, '{"id":1}');
    await notify(channels[0]!, "");
    await waitUntil(() => hooks.messages.length === 3, 5000, "three notifications");
    expect(hooks.messages).toEqual([
      { text: "hello", channel: channels[0] },
      { text: '{"id":1}', channel: channels[1] },
      { text: "", channel: channels[0] },
    ]);
  });

  it("after pg_terminate_backend: lost, back within a second, and hears what comes after", async () => {
    const { spec, hooks, applicationName } = await start((id) => [`jobs_${id}`]);
    const [pid] = await backends(applicationName);
    expect(pid).toBeDefined();
    await admin.query("SELECT pg_terminate_backend($1)", [pid]);
    const lostAt = Date.now();
    await waitUntil(() => hooks.losses.length === 1, 5000, "the loss");
    await waitUntil(() => hooks.connects.length === 2, 2000, "the listener back");
    expect(Date.now() - lostAt).toBeLessThan(1500);
    expect(hooks.events.map((e) => e.kind)).toEqual(["connected", "lost", "connected"]);
    expect(hooks.connects).toEqual([false, true]);
    expect(hooks.losses[0]).toMatch(/^PostgreSQL connection "db" \(postgres:\/\/postgres@127\.0\.0\.1:5432\/test\): terminating connection/);
    expect(await backends(applicationName)).toHaveLength(1);
    await notify(spec.channels[0]!, "after");
    await waitUntil(() => hooks.messages.length === 1, 5000, "the notification after the reconnect");
    expect(hooks.messages[0]).toEqual({ text: "after", channel: spec.channels[0] });
  });

  it("finds a connection gone silent by its keepalive, and listens again on a new one", async () => {
    const proxy = await TcpProxy.start(SERVICES.postgres.host, SERVICES.postgres.port);
    proxies.push(proxy);
    const url = `postgres://postgres@127.0.0.1:${proxy.port}/test`;
    const { spec, hooks, applicationName } = await start((id) => [`silent_${id}`], { keepaliveMs: 100, keepaliveTimeoutMs: 300 }, url);
    expect(proxy.blackhole()).toBe(1);
    await notify(spec.channels[0]!, "into the void");
    await waitUntil(() => hooks.losses.length === 1, 5000, "the keepalive to notice");
    expect(hooks.losses[0]).toContain("no answer to the keepalive SELECT 1 within 300 ms");
    await waitUntil(() => hooks.connects.length === 2, 5000, "the listener back");
    await notify(spec.channels[0]!, "heard");
    await waitUntil(() => hooks.messages.length === 1, 5000, "the notification on the new connection");
    expect(hooks.messages).toEqual([{ text: "heard", channel: spec.channels[0] }]);
    // The silent connection was cut, so its backend went away too.
    await waitUntil(async () => (await backends(applicationName)).length === 1, 5000, "one backend left");
  });

  it("close() ends its connection and leaves no backend", async () => {
    const { hooks, source, applicationName } = await start((id) => [`close_${id}`]);
    expect(await backends(applicationName)).toHaveLength(1);
    await source.close();
    expect(source.state).toBe("closed");
    await waitUntil(async () => (await backends(applicationName)).length === 0, 5000, "the backend to go");
    expect(hooks.losses).toEqual([]);
  });

  it("reports a database it cannot reach once, hiding the password, keeps trying, and closes at once", async () => {
    const url = `postgres://postgres:s3cret@127.0.0.1:${await closedPort()}/test`;
    const spec: PostgresListenerSpec = { source: "postgres", file: "x.listener", name: "pg-down", connection: "db", handler: "app/x", description: "", channels: ["x"] };
    const hooks = new RecordingHooks();
    const { logger, lines } = capturingLogger();
    const source = postgresSource(spec, { name: "db", kind: "postgres", url }, hooks, logger, { backoff: { firstMs: 20, maxMs: 50 } });
    source.start();
    await waitUntil(() => hooks.losses.length === 1, 5000, "the loss");
    expect(source.state).toBe("down");
    expect(hooks.losses[0]).toContain("ECONNREFUSED");
    expect(hooks.losses[0]).toContain("postgres:***@");
    // It keeps trying (each attempt logged at debug), and tells the listener only once.
    await waitUntil(() => lines.filter((l) => l.level === 20 && l.msg.includes("ECONNREFUSED")).length >= 3, 5000, "more attempts");
    expect(hooks.losses).toHaveLength(1);
    await source.close();
    expect(source.state).toBe("closed");
    expect(hooks.connects).toEqual([]);
    expect(JSON.stringify(lines)).not.toContain("s3cret");
  });
});
