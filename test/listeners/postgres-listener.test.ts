import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { postgresApplicationName } from "../../src/listeners/sources/postgres.js";
import { TestClient } from "../helpers/client.js";
import { listenerFile, PROBE_HANDLER, unique, waitForGot, waitForListener } from "../helpers/listener-probe.js";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil } from "../helpers/runtime.js";
import { describeWith, SERVICES } from "../helpers/services.js";

await describeWith(["postgres"], "postgres listeners", () => {
  let admin: pg.Client;
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: SERVICES.postgres.url, application_name: "aerostat-test-admin" });
    admin.on("error", () => undefined);
    await admin.connect();
  });
  afterAll(async () => {
    await admin.end();
  });

  const notify = (channel: string, payload: string) => admin.query("SELECT pg_notify($1, $2)", [channel, payload]);
  const backends = async (applicationName: string) =>
    (await admin.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = $1", [applicationName])).rows.map((r) => r.pid);

  it("hands notifications to onMessage; after pg_terminate_backend the handler gets a gap message, then later notifications", async () => {
    const name = unique("db");
    // Mixed case: LISTEN must quote it, or Postgres would listen on the lower-cased name.
    const channel = `Nodes_${randomBytes(6).toString("hex")}`;
    const { runtime, url } = await startProject(
      {
        "p/h.js": PROBE_HANDLER,
        "p/probe.websocket": descriptor("probe", "p/h"),
        "p/db.listener": listenerFile({ name, source: "postgres", connection: "db", channels: [channel], handler: "p/h" }),
      },
      { connections: { db: SERVICES.postgres.url } },
    );
    const probe = await TestClient.connect(url("probe"));
    await waitForListener(runtime, name, (s) => s.state === "up");
    await notify(channel, '{"id":1}');
    await waitForGot(probe, (g) => g.length === 1);

    const [pid, ...others] = await backends(postgresApplicationName(name));
    expect(others).toEqual([]);
    await admin.query("SELECT pg_terminate_backend($1)", [pid]);
    await waitForListener(runtime, name, (s) => s.state === "up" && s.gaps === 1, 5000);
    await notify(channel, '{"id":2}');
    const got = await waitForGot(probe, (g) => g.some((x) => x.text === '{"id":2}'));
    expect(got.filter((g) => g.text !== undefined)).toEqual([
      { text: '{"id":1}', info: { name, source: "postgres", channel } },
      { text: "", info: { name, source: "postgres", gap: true } },
      { text: '{"id":2}', info: { name, source: "postgres", channel } },
    ]);
    expect(got.find((g) => g.error !== undefined)?.error).toContain("terminating connection due to administrator command");

    await runtime.close(500);
    await waitUntil(async () => (await backends(postgresApplicationName(name))).length === 0, 5000, "no backend left");
  });
});
