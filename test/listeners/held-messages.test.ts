import { Connection as Rabbit, type Publisher } from "rabbitmq-client";
import { afterAll, beforeAll, expect, it } from "vitest";
import { TestClient } from "../helpers/client.js";
import { listenerFile, PROBE_HANDLER, unique, waitForGot, waitForListener } from "../helpers/listener-probe.js";
import { descriptor } from "../helpers/project.js";
import { nextReload, startProject, waitUntil } from "../helpers/runtime.js";
import { describeWith, SERVICES } from "../helpers/services.js";
import { queueCounts } from "./rabbitmqctl.js";

/** The probe handler, whose probe endpoint also takes "bomb": it fills the sandbox's memory until the isolate dies. */
const BOMB_PROBE = `${PROBE_HANDLER}
  const probeOnMessage = exports.onMessage;
  exports.onMessage = (message, second) => {
    if (message === "bomb") { const hoard = []; for (;;) hoard.push(new Array(100000).fill(message)); }
    return probeOnMessage(message, second);
  };
`;

await describeWith(["rabbitmq"], "amqp messages while the handler does not serve", () => {
  let admin: Rabbit;
  let publisher: Publisher;
  const made: { exchanges: string[]; queues: string[] } = { exchanges: [], queues: [] };

  beforeAll(() => {
    admin = new Rabbit({ url: SERVICES.rabbitmq.url, connectionName: "aerostat-test-admin" });
    admin.on("error", () => undefined);
    publisher = admin.createPublisher({ confirm: true });
  });
  afterAll(async () => {
    for (const queue of made.queues) await admin.queueDelete({ queue });
    for (const exchange of made.exchanges) await admin.exchangeDelete({ exchange });
    await publisher.close();
    await admin.close();
  });

  /** A unique exchange and durable queue for an amqp listener of handler `handler`. */
  function names() {
    const exchange = unique("aerostat-test");
    const queue = unique("aerostat-test-q");
    made.exchanges.push(exchange);
    made.queues.push(queue);
    return { exchange, queue, name: unique("orders") };
  }

  it("a handler disabled after repeated crashes: messages stay unacknowledged in the queue, and reach it once it loads again", async () => {
    const { exchange, queue, name } = names();
    const { runtime, project, url, logs } = await startProject(
      {
        "a/h.js": BOMB_PROBE,
        "a/probe.websocket": descriptor("probe", "a/h"),
        "a/orders.listener": listenerFile({ name, source: "amqp", connection: "mq", exchange, queue, prefetch: 10, handler: "a/h" }),
      },
      { connections: { mq: SERVICES.rabbitmq.url }, memoryLimitMb: 32, cpuLimitMs: 10_000, maxCrashesPerMinute: 1 },
    );
    await waitForListener(runtime, name, (s) => s.state === "up", 10_000);
    const bomber = await TestClient.connect(url("probe"));
    bomber.send("bomb");
    await logs.waitFor((l) => l.code === "AEROSTAT_HANDLER_CRASHED", 15_000);

    for (let i = 0; i < 5; i++) await publisher.send({ exchange, routingKey: "orders.new" }, `m${i}`);
    await waitForListener(runtime, name, (s) => s.received === 5, 10_000);
    await waitUntil(async () => (await queueCounts(queue))?.unacked === 5, 20_000, "the messages held, unacknowledged");
    const held = runtime.listenerStats().find((s) => s.name === name);
    expect(held).toMatchObject({ state: "up", delivered: 0, failed: 0, dropped: 0 });
    expect(held?.problem).toMatch(/^handler a\/h\.js is disabled \(a\/h\.js: disabled: the sandbox of project folder "a" crashed 1 times within a minute .*\); 5 messages wait until it serves$/);

    const fixed = nextReload(runtime, (e) => e.kind === "handler" && e.ok && e.file === "a/h.js");
    await project.write("a/h.js", PROBE_HANDLER);
    await fixed;
    const probe = await TestClient.connect(url("probe"));
    const got = await waitForGot(probe, (g) => g.length === 5, 10_000);
    expect(got.map((g) => g.text)).toEqual(["m0", "m1", "m2", "m3", "m4"]);
    await waitUntil(async () => {
      const counts = await queueCounts(queue);
      return counts?.unacked === 0 && counts.ready === 0;
    }, 20_000, "the messages acked");
    expect(runtime.listenerStats().find((s) => s.name === name)).toMatchObject({ received: 5, delivered: 5, failed: 0, dropped: 0 });
  });

  it("a handler whose first load failed is not asked: the message waits unacknowledged and reaches the handler once it loads", async () => {
    const { exchange, queue, name } = names();
    const { runtime, project, url } = await startProject(
      {
        "a/h.js": "exports.onMessage = (;",
        "a/probe.websocket": descriptor("probe", "a/h"),
        "a/orders.listener": listenerFile({ name, source: "amqp", connection: "mq", exchange, queue, handler: "a/h" }),
      },
      { connections: { mq: SERVICES.rabbitmq.url } },
    );
    await waitForListener(runtime, name, (s) => s.state === "up", 10_000);
    await publisher.send({ exchange, routingKey: "orders.new" }, "early");
    await waitForListener(runtime, name, (s) => s.received === 1, 10_000);
    // Nothing was put to the handler that is not loaded (it would time out and count as handled).
    expect(runtime.handlerStats().find((h) => h.handler === "a/h.js")).toMatchObject({ ready: false, queued: 0 });
    await waitUntil(async () => (await queueCounts(queue))?.unacked === 1, 20_000, "the message held, unacknowledged");
    expect(runtime.listenerStats().find((s) => s.name === name)?.problem).toMatch(/^handler a\/h\.js did not load \(a\/h\.js:1:22: has a syntax error.*\); 1 message wait until it serves$/);

    const fixed = nextReload(runtime, (e) => e.kind === "handler" && e.ok && e.file === "a/h.js");
    await project.write("a/h.js", PROBE_HANDLER);
    await fixed;
    const probe = await TestClient.connect(url("probe"));
    const got = await waitForGot(probe, (g) => g.length === 1, 10_000);
    expect(got).toEqual([{ text: "early", info: { name, source: "amqp", routingKey: "orders.new", exchange, redelivered: false } }]);
    await waitUntil(async () => (await queueCounts(queue))?.unacked === 0, 20_000, "the message acked");
    const after = runtime.listenerStats().find((s) => s.name === name);
    expect(after).toMatchObject({ delivered: 1, failed: 0, dropped: 0 });
    expect(after?.problem).toBeUndefined();
  });
});
