import { randomUUID } from "node:crypto";
import { Connection as Rabbit, type Publisher } from "rabbitmq-client";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import type { AmqpListenerSpec } from "../../src/config/listener-spec.js";
import type { ListenerSource } from "../../src/listeners/source.js";
import { amqpConnectionName, amqpSource } from "../../src/listeners/sources/amqp.js";
import { waitUntil } from "../helpers/runtime.js";
import { describeWith, SERVICES } from "../helpers/services.js";
import { closeConnection, connectionPids, queueCounts } from "./rabbitmqctl.js";
import { capturingLogger, closedPort, deferred, RecordingHooks } from "./recording-hooks.js";
import { TcpProxy } from "./tcp-proxy.js";

const connection = { name: "main", kind: "amqp" as const, url: SERVICES.rabbitmq.url };

await describeWith(["rabbitmq"], "amqp listener source", () => {
  let admin: Rabbit;
  let publisher: Publisher;
  const made: { exchanges: string[]; queues: string[]; sources: ListenerSource[] } = { exchanges: [], queues: [], sources: [] };

  beforeAll(() => {
    admin = new Rabbit({ url: SERVICES.rabbitmq.url, connectionName: "aerostat-test-admin" });
    admin.on("error", () => undefined);
    publisher = admin.createPublisher({ confirm: true });
  });
  afterEach(async () => {
    for (const source of made.sources.splice(0)) await source.close();
    for (const queue of made.queues.splice(0)) await admin.queueDelete({ queue });
    for (const exchange of made.exchanges.splice(0)) await admin.exchangeDelete({ exchange });
  });
  afterAll(async () => {
    await publisher.close();
    await admin.close();
  });

  /** A started source over a unique topic exchange (and a unique named queue when `named`). */
  async function start(options: { named?: boolean; prefetch?: number; routingKeys?: string[]; url?: string; heartbeatSeconds?: number } = {}) {
    const id = randomUUID().slice(0, 8);
    const spec: AmqpListenerSpec = {
      source: "amqp",
      file: "events.listener",
      name: `amqp-test-${id}`,
      connection: "main",
      handler: "app/events",
      description: "",
      exchange: `aerostat-test-${id}`,
      exchangeType: "topic",
      routingKeys: options.routingKeys ?? ["orders.#"],
      prefetch: options.prefetch ?? 100,
      ...(options.named ? { queue: `aerostat-test-${id}` } : {}),
    };
    made.exchanges.push(spec.exchange);
    if (spec.queue) made.queues.push(spec.queue);
    const hooks = new RecordingHooks();
    const { logger, lines } = capturingLogger();
    const through = options.url ? { ...connection, url: options.url } : connection;
    const source = amqpSource(spec, through, hooks, logger, { heartbeatSeconds: options.heartbeatSeconds });
    made.sources.push(source);
    source.start();
    await waitUntil(() => hooks.connects.length === 1, 10_000, "the consumer to be ready");
    expect(hooks.connects).toEqual([false]);
    expect(source.state).toBe("up");
    const publish = (routingKey: string, body: unknown) => publisher.send({ exchange: spec.exchange, routingKey }, body);
    return { spec, hooks, lines, source, publish };
  }

  it("delivers text, JSON and binary bodies with their routing key and exchange, for the bound keys only", async () => {
    const { spec, hooks, publish } = await start();
    await publish("invoices.new", "not bound");
    await publish("orders.new", "hello");
    await publish("orders.json", { id: 7, tags: ["a"] });
    await publish("orders.utf8", Buffer.from("héllo", "utf8"));
    await publish("orders.bin", Buffer.from([0xff, 0xfe, 0x00, 0x01]));
    await waitUntil(() => hooks.messages.length === 4, 10_000, "four messages");
    const common = { exchange: spec.exchange, redelivered: false };
    expect(hooks.messages).toEqual([
      { text: "hello", routingKey: "orders.new", ...common },
      { text: '{"id":7,"tags":["a"]}', routingKey: "orders.json", ...common },
      { text: "héllo", routingKey: "orders.utf8", ...common },
      { text: Buffer.from([0xff, 0xfe, 0x00, 0x01]).toString("base64"), encoding: "base64", routingKey: "orders.bin", ...common },
    ]);
  });

  it("acks a message only after the handler took it", async () => {
    const { spec, hooks, publish } = await start({ named: true });
    const taken = deferred<"done">();
    hooks.outcome = () => taken.promise;
    await publish("orders.new", "slow");
    await waitUntil(() => hooks.messages.length === 1, 10_000, "the message");
    await waitUntil(async () => (await queueCounts(spec.queue!))?.unacked === 1, 20_000, "one unacknowledged message");
    taken.resolve("done");
    await waitUntil(async () => {
      const counts = await queueCounts(spec.queue!);
      return counts?.unacked === 0 && counts.ready === 0;
    }, 20_000, "the message to be acked");
    expect(hooks.messages).toHaveLength(1);
  });

  it('requeues a "retry" once, then drops the message when it fails again, and says so', async () => {
    const { spec, hooks, lines, publish } = await start({ named: true });
    hooks.outcome = (m) => (m.text === "poison" ? "retry" : "done");
    await publish("orders.bad", "poison");
    await waitUntil(() => hooks.messages.length === 2, 10_000, "the message twice");
    await waitUntil(() => lines.some((l) => l.msg.includes("failed its handler twice")), 5000, "the drop warning");
    await publish("orders.good", "fine");
    await waitUntil(() => hooks.messages.some((m) => m.text === "fine"), 10_000, "the next message");
    await waitUntil(async () => {
      const counts = await queueCounts(spec.queue!);
      return counts?.unacked === 0 && counts.ready === 0;
    }, 20_000, "an empty queue");
    expect(hooks.messages.map((m) => [m.text, m.redelivered])).toEqual([
      ["poison", false],
      ["poison", true],
      ["fine", false],
    ]);
    const warning = lines.find((l) => l.msg.includes("failed its handler twice"))!;
    expect(warning.msg).toContain(spec.name);
    expect(warning.msg).toContain("orders.bad");
  });

  it("holds at most `prefetch` unacknowledged messages", async () => {
    const { spec, hooks, publish } = await start({ named: true, prefetch: 2 });
    const release = deferred<"done">();
    hooks.outcome = () => release.promise;
    for (let i = 0; i < 5; i++) await publish("orders.n", `m${i}`);
    await waitUntil(() => hooks.messages.length === 2, 10_000, "two messages");
    await waitUntil(async () => {
      const counts = await queueCounts(spec.queue!);
      return counts?.unacked === 2 && counts.ready === 3;
    }, 20_000, "two unacked and three ready");
    expect(hooks.messages).toHaveLength(2);
    hooks.outcome = () => "done";
    release.resolve("done");
    await waitUntil(() => hooks.messages.length === 5, 10_000, "all five messages");
    expect(hooks.messages.map((m) => m.text)).toEqual(["m0", "m1", "m2", "m3", "m4"]);
  });

  it("comes back after RabbitMQ closes its connection, and closes without a trace", async () => {
    const { spec, hooks, lines, source, publish } = await start();
    const [pid, ...others] = await waitUntil(async () => {
      const pids = await connectionPids(amqpConnectionName(spec.name));
      return pids.length > 0 && pids;
    }, 20_000, "the listener's connection");
    expect(others).toEqual([]);
    await closeConnection(pid!);
    await waitUntil(() => hooks.losses.length === 1, 10_000, "the loss");
    await waitUntil(() => hooks.connects.length === 2, 10_000, "the consumer back");
    expect(hooks.connects).toEqual([false, true]);
    expect(hooks.events.map((e) => e.kind)).toEqual(["connected", "lost", "connected"]);
    expect(hooks.losses[0]).toContain('RabbitMQ connection "main" (amqp://guest:***@127.0.0.1:5672)');
    await publish("orders.after", "again");
    await waitUntil(() => hooks.messages.length === 1, 10_000, "a message after the reconnect");
    expect(hooks.messages[0]).toMatchObject({ text: "again", routingKey: "orders.after" });
    expect(JSON.stringify(lines)).not.toContain("guest:guest");

    await source.close();
    expect(source.state).toBe("closed");
    await waitUntil(async () => (await connectionPids(amqpConnectionName(spec.name))).length === 0, 20_000, "the connection to go");
  });

  it("reports a broker it cannot reach once, hiding the password, keeps trying, and closes at once", async () => {
    const id = randomUUID().slice(0, 8);
    const url = `amqp://guest:guest@127.0.0.1:${await closedPort()}`;
    const spec: AmqpListenerSpec = {
      source: "amqp", file: "x.listener", name: `amqp-down-${id}`, connection: "main", handler: "app/x", description: "",
      exchange: `aerostat-test-${id}`, exchangeType: "topic", routingKeys: ["#"], prefetch: 10,
    };
    const hooks = new RecordingHooks();
    const { logger, lines } = capturingLogger();
    const source = amqpSource(spec, { name: "main", kind: "amqp", url }, hooks, logger);
    source.start();
    await waitUntil(() => hooks.losses.length === 1, 5000, "the loss");
    expect(source.state).toBe("down");
    expect(hooks.losses[0]).toContain("ECONNREFUSED");
    expect(hooks.losses[0]).toContain("guest:***@");
    const started = Date.now();
    await source.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(source.state).toBe("closed");
    expect(hooks.connects).toEqual([]);
    expect(JSON.stringify(lines)).not.toContain("guest:guest");
  });

  it("says why when the exchange exists with another type, and keeps trying without a crash", async () => {
    const id = randomUUID().slice(0, 8);
    const exchange = `aerostat-test-${id}`;
    made.exchanges.push(exchange);
    await admin.exchangeDeclare({ exchange, type: "fanout", durable: true });
    const spec: AmqpListenerSpec = {
      source: "amqp", file: "x.listener", name: `amqp-clash-${id}`, connection: "main", handler: "app/x", description: "",
      exchange, exchangeType: "topic", routingKeys: ["#"], prefetch: 10,
    };
    const hooks = new RecordingHooks();
    const source = amqpSource(spec, connection, hooks, capturingLogger().logger);
    made.sources.push(source);
    source.start();
    await waitUntil(() => hooks.losses.length === 1, 10_000, "the loss");
    expect(hooks.losses[0]).toContain(`consumer for exchange "${exchange}" stopped`);
    expect(hooks.losses[0]).toContain("PRECONDITION_FAILED");
    expect(source.state).toBe("down");
    expect(hooks.connects).toEqual([]);
  });

  it("notices a connection gone silent by its heartbeat, and consumes again on a new one", async () => {
    const proxy = await TcpProxy.start(SERVICES.rabbitmq.host, SERVICES.rabbitmq.port);
    try {
      const { hooks, publish } = await start({ url: `amqp://guest:guest@127.0.0.1:${proxy.port}`, heartbeatSeconds: 1 });
      expect(proxy.blackhole()).toBe(1);
      await waitUntil(() => hooks.losses.length === 1, 10_000, "the heartbeat to notice");
      expect(hooks.losses[0]).toContain("no heartbeat");
      await waitUntil(() => hooks.connects.length === 2, 10_000, "the consumer back on a new connection");
      await publish("orders.after", "heard");
      await waitUntil(() => hooks.messages.length === 1, 10_000, "a message on the new connection");
      expect(hooks.messages[0]).toMatchObject({ text: "heard", routingKey: "orders.after" });
    } finally {
      for (const source of made.sources.splice(0)) await source.close();
      await proxy.close();
    }
  });

  it("refuses, when made, a URL the RabbitMQ client cannot use, without showing the password", () => {
    const spec = { source: "amqp", file: "x.listener", name: "bad-url", connection: "main", handler: "app/x", description: "", exchange: "x", exchangeType: "topic", routingKeys: ["#"], prefetch: 1 } as const;
    const make = () => amqpSource(spec, { ...connection, url: "amqp://guest:pa%zzword@127.0.0.1:5672" }, new RecordingHooks(), capturingLogger().logger);
    expect(make).toThrow(`the URL's password holds a "%" that starts no %-escape; write "%" as %25`);
  });
});
