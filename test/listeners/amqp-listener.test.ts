import { Connection as Rabbit, type Publisher } from "rabbitmq-client";
import { afterAll, beforeAll, expect, it } from "vitest";
import { amqpConnectionName } from "../../src/listeners/sources/amqp.js";
import { TestClient } from "../helpers/client.js";
import { listenerFile, PROBE_HANDLER, unique, waitForGot, waitForListener } from "../helpers/listener-probe.js";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil } from "../helpers/runtime.js";
import { describeWith, SERVICES } from "../helpers/services.js";
import { closeConnection, connectionPids, queueCounts } from "./rabbitmqctl.js";

await describeWith(["rabbitmq"], "amqp listeners", () => {
  let admin: Rabbit;
  let publisher: Publisher;
  const made: { exchanges: string[]; queues: string[] } = { exchanges: [], queues: [] };

  beforeAll(() => {
    admin = new Rabbit({ url: SERVICES.rabbitmq.url, connectionName: "aerostat-test-admin" });
    admin.on("error", () => undefined);
    publisher = admin.createPublisher({ confirm: true });
  });
  // After every runtime closed (their consumers would declare a deleted queue again).
  afterAll(async () => {
    for (const queue of made.queues) await admin.queueDelete({ queue });
    for (const exchange of made.exchanges) await admin.exchangeDelete({ exchange });
    await publisher.close();
    await admin.close();
  });

  /** A project with the probe handler and one amqp listener on a unique exchange; the runtime knows connection "mq". */
  async function start(listener: Record<string, unknown> = {}) {
    const name = unique("orders");
    const exchange = unique("aerostat-test");
    made.exchanges.push(exchange);
    if (typeof listener.queue === "string") made.queues.push(listener.queue);
    const test = await startProject(
      {
        "p/h.js": PROBE_HANDLER,
        "p/probe.websocket": descriptor("probe", "p/h"),
        "p/orders.listener": listenerFile({ name, source: "amqp", connection: "mq", exchange, routingKeys: ["orders.#"], handler: "p/h", ...listener }),
      },
      { connections: { mq: SERVICES.rabbitmq.url } },
    );
    const probe = await TestClient.connect(test.url("probe"));
    await waitForListener(test.runtime, name, (s) => s.state === "up", 10_000);
    const publish = (routingKey: string, body: unknown) => publisher.send({ exchange, routingKey }, body);
    return { ...test, probe, name, exchange, publish };
  }

  it("hands a message to onMessage and acks it only after onMessage returned", async () => {
    const queue = unique("aerostat-test-q");
    const { probe, runtime, name, exchange, publish } = await start({ queue });
    await publish("orders.created", "block");
    await waitForGot(probe, (g) => g.length === 1);
    await waitUntil(async () => (await queueCounts(queue))?.unacked === 1, 20_000, "the message unacknowledged while onMessage runs");
    expect(await probe.ask("release")).toBe("released");
    await waitUntil(async () => {
      const counts = await queueCounts(queue);
      return counts?.unacked === 0 && counts.ready === 0;
    }, 20_000, "the message acked");
    const got = await waitForGot(probe, (g) => g.length === 1);
    expect(got).toEqual([{ text: "block", info: { name, source: "amqp", routingKey: "orders.created", exchange, redelivered: false } }]);
    expect(await waitForListener(runtime, name, (s) => s.delivered === 1)).toMatchObject({ state: "up", received: 1, dropped: 0, gaps: 0 });
  });

  it("comes back after RabbitMQ closed its connection: onError hears it, a gap message, then new messages", async () => {
    const { probe, runtime, name, exchange, publish } = await start();
    await publish("orders.a", "before");
    await waitForGot(probe, (g) => g.length === 1);
    const pids = await waitUntil(async () => {
      const found = await connectionPids(amqpConnectionName(name));
      return found.length > 0 && found;
    }, 20_000, "the listener's connection");
    expect(pids).toHaveLength(1);
    await closeConnection(pids[0]!);
    await waitForListener(runtime, name, (s) => s.state === "up" && s.gaps === 1, 15_000);
    await publish("orders.b", "after");
    const got = await waitForGot(probe, (g) => g.some((x) => x.text === "after"), 10_000);
    expect(got.filter((g) => g.text !== undefined)).toEqual([
      { text: "before", info: { name, source: "amqp", routingKey: "orders.a", exchange, redelivered: false } },
      { text: "", info: { name, source: "amqp", gap: true } },
      { text: "after", info: { name, source: "amqp", routingKey: "orders.b", exchange, redelivered: false } },
    ]);
    const error = got.find((g) => g.error !== undefined);
    expect(error?.error).toContain('RabbitMQ connection "mq" (amqp://guest:***@127.0.0.1:5672)');
    expect(error?.error).not.toContain("guest:guest");
  });

  it("a connection URL the RabbitMQ client cannot use leaves the listener stopped, saying why, never showing the password", async () => {
    const { runtime } = await startProject(
      {
        "p/h.js": PROBE_HANDLER,
        "p/orders.listener": listenerFile({ source: "amqp", connection: "mq", exchange: unique("aerostat-test"), handler: "p/h" }),
      },
      { connections: { mq: "amqp://guest:pa%zzss@127.0.0.1:5672" } },
    );
    const status = await waitForListener(runtime, "orders", (s) => s.problem !== undefined);
    expect(status.state).toBe("stopped");
    expect(status.problem).toContain(`the URL's password holds a "%" that starts no %-escape; write "%" as %25`);
    expect(status.problem).not.toContain("pa%zzss");
  });
});
