import { createClient } from "redis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { RedisServer } from "../helpers/redis-server.js";
import { SERVICES, describeWith } from "../helpers/services.js";
import { startProject } from "../helpers/runtime.js";
import { listenerFile, PROBE_HANDLER, unique, waitForGot, waitForListener } from "../helpers/listener-probe.js";

await describeWith(["redis"], "a redis listener after its connection dropped", () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(async () => {
    await server.stop();
  });

  it("tells onError, shows the listener down, and after the reconnect hands the handler one gap message, then new messages", async () => {
    void SERVICES;
    const channel = unique("gap");
    const { runtime, url, logs } = await startProject(
      {
        "p/h.js": PROBE_HANDLER,
        "p/probe.websocket": descriptor("probe", "p/h"),
        "p/jobs.listener": listenerFile({ source: "redis", connection: "private", channels: [channel], handler: "p/h" }),
      },
      { connections: { private: server.url } },
    );
    const probe = await TestClient.connect(url("probe"));
    await waitForListener(runtime, "jobs", (s) => s.state === "up");
    const publish = async (text: string) => {
      const client = createClient({ url: server.url });
      await client.connect();
      const n = await client.publish(channel, text);
      await client.close();
      return n;
    };
    expect(await publish("before")).toBe(1);
    await waitForGot(probe, (g) => g.length === 1);

    await server.kill();
    const down = await waitForListener(runtime, "jobs", (s) => s.state === "down");
    expect(down.lastError).toContain(`redis connection "private"`);
    const warned = await logs.waitFor((l) => l.msg.startsWith("listener jobs lost connection \"private\""));
    expect(warned).toMatchObject({ listener: "jobs", connection: "private" });

    await server.restart();
    await waitForListener(runtime, "jobs", (s) => s.state === "up" && s.gaps === 1, 15_000);
    expect(await publish("after")).toBe(1);
    const got = await waitForGot(probe, (g) => g.some((x) => x.text === "after"));
    expect(got[0]).toEqual({ text: "before", info: { name: "jobs", source: "redis", channel } });
    expect(got.filter((g) => g.error !== undefined).length).toBeGreaterThanOrEqual(1);
    expect(got.find((g) => g.error !== undefined)).toMatchObject({ info: { name: "jobs", source: "redis" } });
    expect(got.filter((g) => g.text !== undefined).slice(1)).toEqual([
      { text: "", info: { name: "jobs", source: "redis", gap: true } },
      { text: "after", info: { name: "jobs", source: "redis", channel } },
    ]);
  });

  it("the gap message is never the one dropped when the handler is behind", async () => {
    const channel = unique("behind");
    const { runtime, url } = await startProject(
      {
        "p/h.js": PROBE_HANDLER,
        "p/probe.websocket": descriptor("probe", "p/h"),
        "p/jobs.listener": listenerFile({ source: "redis", connection: "private", channels: [channel], handler: "p/h" }),
      },
      { connections: { private: server.url }, maxQueuedEvents: 4 },
    );
    const probe = await TestClient.connect(url("probe"));
    await waitForListener(runtime, "jobs", (s) => s.state === "up");
    const client = createClient({ url: server.url });
    await client.connect();
    // "block" holds onMessage: with the three after it, the listener is at its bound of 4.
    for (const text of ["block", "m1", "m2", "m3"]) await client.publish(channel, text);
    await client.close();
    await waitForGot(probe, (g) => g.length === 4);

    await server.kill();
    await waitForListener(runtime, "jobs", (s) => s.state === "down");
    await server.restart();
    await waitForListener(runtime, "jobs", (s) => s.state === "up" && s.gaps === 1, 15_000);
    expect(await probe.ask("release")).toBe("released");
    const got = await waitForGot(probe, (g) => g.some((x) => x.info.gap === true));
    expect(got.filter((g) => g.text !== undefined)).toEqual([
      ...["block", "m1", "m2", "m3"].map((text) => ({ text, info: { name: "jobs", source: "redis", channel } })),
      { text: "", info: { name: "jobs", source: "redis", gap: true } },
    ]);
    expect(runtime.listenerStats()[0]).toMatchObject({ dropped: 0, gaps: 1 });
  });
});
