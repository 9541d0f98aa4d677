import { createClient } from "redis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { SERVICES, describeWith } from "../helpers/services.js";
import { nextReload, startProject } from "../helpers/runtime.js";
import { listenerFile, PROBE_HANDLER, unique, waitForGot, waitForListener } from "../helpers/listener-probe.js";

type Publisher = ReturnType<typeof createClient>;

await describeWith(["redis"], "redis listeners", () => {
  let publisher: Publisher;
  beforeAll(async () => {
    publisher = createClient({ url: SERVICES.redis.url });
    await publisher.connect();
  });
  afterAll(async () => {
    await publisher.close();
  });

  /** A project with the probe handler and one redis listener; the runtime knows connection "r". */
  async function start(listener: Record<string, unknown>, extra: Record<string, unknown> = {}) {
    const test = await startProject(
      {
        "p/h.js": PROBE_HANDLER,
        "p/probe.websocket": descriptor("probe", "p/h"),
        "p/jobs.listener": listenerFile({ source: "redis", connection: "r", handler: "p/h", ...listener }),
      },
      { connections: { r: SERVICES.redis.url }, maxQueuedEvents: 50, ...extra },
    );
    const probe = await TestClient.connect(test.url("probe"));
    await waitForListener(test.runtime, "jobs", (s) => s.state === "up");
    return { ...test, probe };
  }

  it("hands each message on a channel to onMessage with the listener's name, source and channel", async () => {
    const channel = unique("jobs");
    const { probe, runtime } = await start({ channels: [channel] });
    await publisher.publish(channel, "first");
    await publisher.publish(channel, "second ✓");
    const got = await waitForGot(probe, (g) => g.length === 2);
    expect(got).toEqual([
      { text: "first", info: { name: "jobs", source: "redis", channel } },
      { text: "second ✓", info: { name: "jobs", source: "redis", channel } },
    ]);
    const status = await waitForListener(runtime, "jobs", (s) => s.delivered === 2);
    expect(status).toMatchObject({ source: "redis", connection: { name: "r" }, state: "up", received: 2, dropped: 0, gaps: 0 });
  });

  it("hands messages matching a pattern on, naming the channel and the pattern", async () => {
    const prefix = unique("orders");
    const { probe } = await start({ patterns: [`${prefix}:*`] });
    await publisher.publish(`${prefix}:created`, "o1");
    await publisher.publish(`${unique("other")}:created`, "not mine");
    const got = await waitForGot(probe, (g) => g.length >= 1);
    expect(got).toEqual([{ text: "o1", info: { name: "jobs", source: "redis", channel: `${prefix}:created`, pattern: `${prefix}:*` } }]);
  });

  it("a body that is not UTF-8 text comes base64-encoded", async () => {
    const channel = unique("bin");
    const { probe } = await start({ channels: [channel] });
    await publisher.publish(channel, Buffer.from([0xff, 0xfe, 0x00, 0x41]));
    const [got] = await waitForGot(probe, (g) => g.length === 1);
    expect(got).toEqual({ text: Buffer.from([0xff, 0xfe, 0x00, 0x41]).toString("base64"), info: { name: "jobs", source: "redis", channel, encoding: "base64" } });
  });

  it("onMessage that throws: onError gets the error, the fault is logged, and the listener goes on", async () => {
    const channel = unique("faulty");
    const { probe, runtime, logs } = await start({ channels: [channel] });
    await publisher.publish(channel, "throw");
    await publisher.publish(channel, "after");
    const got = await waitForGot(probe, (g) => g.some((x) => x.text === "after") && g.some((x) => x.error));
    // onMessage calls keep their order; onError comes once the throw is known (later messages may already run).
    expect(got.filter((g) => g.text !== undefined)).toEqual([
      { text: "throw", info: { name: "jobs", source: "redis", channel } },
      { text: "after", info: { name: "jobs", source: "redis", channel } },
    ]);
    expect(got.filter((g) => g.error !== undefined)).toEqual([{ error: "TypeError: bad message: throw", info: { name: "jobs", source: "redis", channel } }]);
    const line = await logs.waitFor((l) => l.msg.includes("onMessage threw"));
    // Where it threw: the line of PROBE_HANDLER with the throw.
    const throwLine = PROBE_HANDLER.split("\n").findIndex((l) => l.includes("throw new TypeError")) + 1;
    expect(line).toMatchObject({ handler: "p/h.js", where: "listener jobs", at: expect.stringMatching(new RegExp(`^p/h\\.js:${throwLine}:\\d+$`)) });
    expect(line.msg).toContain("TypeError: bad message: throw");
    expect((await waitForListener(runtime, "jobs", (s) => s.failed === 1)).lastError).toBe("TypeError: bad message: throw");
  });

  it("onMessage that runs past the CPU limit is stopped: onError hears it, and the listener goes on", async () => {
    const channel = unique("spin");
    const { probe, runtime } = await start({ channels: [channel] }, { cpuLimitMs: 200 });
    await publisher.publish(channel, "spin");
    await publisher.publish(channel, "after");
    const got = await waitForGot(probe, (g) => g.some((x) => x.text === "after") && g.some((x) => x.error), 10_000);
    expect(got.find((g) => g.error)?.error).toMatch(/CPU limit/);
    expect((await waitForListener(runtime, "jobs", (s) => s.failed === 1 && s.delivered === 1)).lastError).toMatch(/CPU limit/);
  });

  it("a handler that falls behind: the oldest waiting messages are dropped, counted, logged and shown; later ones still arrive", async () => {
    const channel = unique("flood");
    const { probe, runtime, logs } = await start({ channels: [channel] });
    await publisher.publish(channel, "block");
    await waitForGot(probe, (g) => g.length === 1);
    // The handler waits; the listener holds maxQueuedEvents (here 50) messages, in flight or waiting, and drops older ones.
    for (let i = 0; i < 200; i++) await publisher.publish(channel, `m${i}`);
    const behind = await waitForListener(runtime, "jobs", (s) => s.received === 201);
    expect(behind.dropped).toBe(201 - 50);
    await logs.waitFor((l) => l.msg.includes("the oldest waiting message was dropped"));
    expect(await probe.ask("release")).toBe("released");
    const got = await waitForGot(probe, (g) => g.some((x) => x.text === "m199"));
    expect(got.length).toBe(50);
    // What was kept arrives in order.
    const numbers = got.slice(1).map((g) => Number(g.text!.slice(1)));
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect((await waitForListener(runtime, "jobs", (s) => s.delivered === 50)).dropped).toBe(151);
  });

  it("a handler without onMessage is reported once per load, naming the .listener file and what to export", async () => {
    const channel = unique("none");
    const { runtime, project } = await startProject(
      { "p/none.js": "exports.onOpen = () => {};", "p/jobs.listener": listenerFile({ source: "redis", connection: "r", channels: [channel], handler: "p/none" }) },
      { connections: { r: SERVICES.redis.url } },
    );
    const faults: string[] = [];
    runtime.on("fault", (f) => faults.push(f.error));
    await waitForListener(runtime, "jobs", (s) => s.state === "up");
    for (let i = 0; i < 3; i++) await publisher.publish(channel, `m${i}`);
    await waitForListener(runtime, "jobs", (s) => s.failed === 3);
    expect(faults).toEqual([
      "HookMissingError: p/none.js exports no onMessage, which p/jobs.listener needs: export onMessage(message, listener) from p/none.js. " +
        "Until it does, each message counts as failed (said once per load of the handler).",
    ]);

    const reloaded = nextReload(runtime, (e) => e.file === "p/none.js" && e.ok);
    await project.write("p/none.js", "exports.onOpen = () => {}; // still none");
    await reloaded;
    for (let i = 0; i < 2; i++) await publisher.publish(channel, `n${i}`);
    await waitForListener(runtime, "jobs", (s) => s.failed === 5);
    expect(faults).toHaveLength(2);
  });
});
