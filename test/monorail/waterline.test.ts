import { Connection as Rabbit } from "rabbitmq-client";
import { afterAll, beforeAll, expect, it } from "vitest";
import { listenerFile, unique, waitForListener } from "../helpers/listener-probe.js";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil } from "../helpers/runtime.js";
import { describeWith, SERVICES } from "../helpers/services.js";
import { MrClient } from "./mr-client.js";

// RackHD's database events over RabbitMQ (on-core waterline.js): each record change is published on a
// topic exchange with the routing key "<collection>.<event>.<id>" and the body {event, record}. An amqp
// .listener turns them into monorail.change(), and MonoRail watchers get item and remove frames.

await describeWith(["rabbitmq"], "MonoRail: database events from RabbitMQ through a listener", () => {
  const exchange = unique("aerostat-test-waterline");
  let admin: Rabbit;

  beforeAll(() => {
    admin = new Rabbit({ url: SERVICES.rabbitmq.url, connectionName: `aerostat-test-waterline-admin ${exchange}` });
    admin.on("error", () => undefined);
  });
  afterAll(async () => {
    await admin.exchangeDelete({ exchange });
    await admin.close();
  });

  it("a waterline message nodes.updated.42 reaches a watcher as item [\"updated\",\"42\"]; destroyed as remove", async () => {
    const name = unique("waterline");
    const t = await startProject(
      {
        "p/rack.js": `
          const monorail = require("net/v4/monorail");
          monorail.resource("nodes", { all: () => [] });
          exports.onMessage = (message, listener) => {
            if (listener.gap) return;
            const [collection, , id] = listener.routingKey.split(".");
            const { event, record } = JSON.parse(message);
            monorail.change(collection, event, id, record);
          };`,
        "p/rack.websocket": descriptor("rack", "p/rack", { protocol: "monorail" }),
        "p/waterline.listener": listenerFile({ name, source: "amqp", connection: "mq", exchange, routingKeys: ["nodes.#"], handler: "p/rack" }),
      },
      { connections: { mq: SERVICES.rabbitmq.url } },
    );
    await waitForListener(t.runtime, name, (s) => s.state === "up", 10_000);
    const watcher = await MrClient.connect(t.url("rack") + "/nodes");
    const publisher = admin.createPublisher({ confirm: true });
    try {
      watcher.send({ handler: "watch", params: {} });
      await waitUntil(() => t.runtime.monorailStats().watchers === 1, 5000, "the watcher");
      await publisher.send({ exchange, routingKey: "nodes.updated.42" }, { event: "updated", record: { id: "42", name: "node-42" } });
      expect(await watcher.next()).toEqual({ handler: "item", resource: "nodes", type: "nodes", id: ["updated", "42"], data: { id: "42", name: "node-42" } });
      // Not a node: the listener is not bound to it.
      await publisher.send({ exchange, routingKey: "catalogs.created.7" }, { event: "created", record: { id: "7" } });
      await publisher.send({ exchange, routingKey: "nodes.destroyed.42" }, { event: "destroyed", record: { id: "42" } });
      expect(await watcher.next()).toMatchObject({ handler: "remove", resource: "nodes", type: "nodes", id: "42" });
      expect(watcher.frames).toHaveLength(2);
    } finally {
      await publisher.close();
      await watcher.close();
    }
  });
});
