import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { Connection } from "rabbitmq-client";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { descriptor } from "../helpers/project.js";
import { freePort } from "../helpers/redis-server.js";
import { startProject, waitUntil } from "../helpers/runtime.js";
import { describeWith, SERVICES } from "../helpers/services.js";
import { MrClient } from "./mr-client.js";

// The built-in mq resource against the RabbitMQ on this machine, on exchanges of this test's own.

const suffix = randomBytes(4).toString("hex");
const ALLOWED = `on.test.${suffix}`;
const OTHER = `on.other.${suffix}`;

const files = (connection = "main") => ({
  "p/rack.js": `require("net/v4/monorail"); exports.onMessage = () => {};`,
  "p/rack.websocket": descriptor("rack", "p/rack", { protocol: "monorail", monorail: { mq: { connection, exchanges: [ALLOWED] } } }),
});

let rabbit: Connection;
let publisher: ReturnType<Connection["createPublisher"]>;
let open: MrClient[] = [];

await describeWith(["rabbitmq"], "MonoRail mq resource", () => {
  beforeAll(async () => {
    rabbit = new Connection({ url: SERVICES.rabbitmq.url, connectionName: `aerostat test mq ${suffix}` });
    rabbit.on("error", () => undefined);
    await rabbit.exchangeDeclare({ exchange: ALLOWED, type: "topic", autoDelete: false });
    await rabbit.exchangeDeclare({ exchange: OTHER, type: "topic", autoDelete: false });
    publisher = rabbit.createPublisher();
  });

  afterAll(async () => {
    await rabbit.exchangeDelete({ exchange: ALLOWED });
    await rabbit.exchangeDelete({ exchange: OTHER });
    await publisher.close();
    await rabbit.close();
  });

  afterEach(async () => {
    await Promise.all(open.map((c) => c.close()));
    open = [];
  });

  it("forwards each message of a watched exchange and routing key as an item, shares one consumer per binding, and stops on stop", async () => {
    const t = await startProject(files(), { connections: { main: SERVICES.rabbitmq.url } });
    const a = await MrClient.connect(t.url("rack") + "/mq");
    const b = await MrClient.connect(t.url("rack"));
    open.push(a, b);
    const publish = (routingKey: string, body: unknown) => publisher.send({ exchange: ALLOWED, routingKey }, body);
    a.send({ handler: "watch", params: { exchange: ALLOWED, routingKey: "routing.#" } });
    b.send({ handler: "watch", type: "mq", params: { routingKey: "routing.#", exchange: ALLOWED } });
    // The binding exists once a message published now arrives: publish until one does.
    await waitUntil(async () => {
      await publish("routing.probe", "probe");
      return a.frames.length > 0 && b.frames.length > 0;
    }, 10_000, "the mq consumer");
    expect(t.runtime.monorailStats().mqConsumers).toBe(1);
    // Probes still on their way may come in between: leave them out.
    const real = (c: MrClient) => c.frames.filter((f) => f.id !== "routing.probe");
    await publish("routing.key.value", { key: "value" });
    await publish("elsewhere.key", { key: "not bound" });
    await publish("routing.text", Buffer.from("plain text"));
    await waitUntil(() => real(a).length >= 2 && real(b).length >= 2, 5000, "two messages");
    expect(real(a)).toEqual([
      { handler: "item", resource: "mq", type: "mq", id: "routing.key.value", data: { key: "value" } },
      { handler: "item", resource: "mq", type: "mq", id: "routing.text", data: "plain text" },
    ]);
    expect(real(b)).toEqual(real(a));

    // One watcher stops (params in another key order): the shared consumer stays for the other, and only it hears what comes next.
    a.send({ handler: "stop", params: { routingKey: "routing.#", exchange: ALLOWED } });
    a.send({ handler: "init" });
    await waitUntil(() => a.frames.some((f) => f.handler === "session"), 5000, "the stop handled");
    expect(t.runtime.monorailStats().mqConsumers).toBe(1);
    await publish("routing.after", { late: true });
    await waitUntil(() => real(b).length === 3, 5000, "the message on the other watcher");
    // The consumer hands a message to all its watchers at once: the stopped one would have it by now.
    expect(real(a).filter((f) => f.id === "routing.after")).toEqual([]);
    // The last watcher goes: the consumer is disposed.
    await b.close();
    await waitUntil(() => t.runtime.monorailStats().mqConsumers === 0, 5000, "the consumer disposed");
  });

  it("logs a lost broker connection (found and closed by its own name) and resumes the watch when it is back", async () => {
    const t = await startProject(files(), { connections: { main: SERVICES.rabbitmq.url } });
    const c = await MrClient.connect(t.url("rack") + "/mq");
    open.push(c);
    c.send({ handler: "watch", params: { exchange: ALLOWED, routingKey: "lost.#" } });
    const probe = (key: string) => waitUntil(async () => {
      await publisher.send({ exchange: ALLOWED, routingKey: key }, "probe");
      return c.frames.some((f) => f.id === key);
    }, 15_000, `a message on ${key}`);
    await probe("lost.before");
    const name = String((await t.logs.waitFor((l) => typeof l.connectionName === "string")).connectionName);
    expect(name).toMatch(/^aerostat monorail mq main \d+-[0-9a-f]{6}$/);
    const run = promisify(execFile);
    // Tab-separated: the pid as close_connection takes it, then the client properties (which hold the connection's name).
    const { stdout } = await run("rabbitmqctl", ["list_connections", "-q", "pid", "client_properties"]);
    const mine = stdout.split("\n").filter((line) => line.includes(`{"connection_name",${JSON.stringify(name)}}`));
    expect(mine).toHaveLength(1);
    await run("rabbitmqctl", ["close_connection", mine[0]!.split("\t")[0]!, "monorail test closes its own connection"]);
    const lost = await t.logs.waitFor((l) => l.connection === "main" && /lost or refused/.test(l.msg), 10_000);
    expect(lost.msg).toContain("amqp://guest:***@127.0.0.1:5672");
    await t.logs.waitFor((l) => l.connection === "main" && /is back/.test(l.msg), 15_000);
    await probe("lost.after");
  }, 40_000);

  it("closes its broker connection when the last mq watch is gone", async () => {
    const t = await startProject(files(), { connections: { main: SERVICES.rabbitmq.url } });
    const c = await MrClient.connect(t.url("rack") + "/mq");
    open.push(c);
    c.send({ handler: "watch", params: { exchange: ALLOWED, routingKey: "last.#" } });
    await waitUntil(async () => {
      await publisher.send({ exchange: ALLOWED, routingKey: "last.probe" }, "probe");
      return c.frames.some((f) => f.id === "last.probe");
    }, 10_000, "the mq consumer");
    const name = String((await t.logs.waitFor((l) => typeof l.connectionName === "string")).connectionName);
    const run = promisify(execFile);
    const listed = async () => (await run("rabbitmqctl", ["list_connections", "-q", "client_properties"])).stdout.includes(`{"connection_name",${JSON.stringify(name)}}`);
    expect(await listed()).toBe(true);
    c.send({ handler: "stop", params: { exchange: ALLOWED, routingKey: "last.#" } });
    await t.logs.waitFor((l) => l.msg === 'monorail mq: closed connection "main": no mq watches use it');
    await waitUntil(async () => !(await listed()), 15_000, "the broker connection gone");
  }, 30_000);

  it("warns once about a broker that refuses, and stops trying when the watch gave up", async () => {
    const port = await freePort();
    const t = await startProject(files(), { connections: { main: `amqp://guest:guest@127.0.0.1:${port}` } });
    const c = await MrClient.connect(t.url("rack") + "/mq");
    open.push(c);
    // The watch waits 10 s for the broker, which retries meanwhile (after 250 ms, 500 ms, 1 s, ...).
    const refused = await c.ask({ handler: "watch", params: { exchange: ALLOWED } }, 15_000);
    expect(refused).toMatchObject({ handler: "error", params: { name: "MqError" } });
    await t.logs.waitFor((l) => l.msg === 'monorail mq: closed connection "main": no mq watches use it');
    const warnings = t.logs.lines.filter((l) => l.connection === "main" && /lost or refused/.test(l.msg));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toContain(`amqp://guest:***@127.0.0.1:${port}`);
  }, 30_000);

  it("answers a watch of an exchange outside the allowlist, or without one, with an error frame", async () => {
    const t = await startProject(files(), { connections: { main: SERVICES.rabbitmq.url } });
    const c = await MrClient.connect(t.url("rack") + "/mq");
    open.push(c);
    const refused = await c.ask({ handler: "watch", params: { exchange: OTHER, routingKey: "#" } });
    expect(refused).toMatchObject({ handler: "error", resource: "mq", type: "mq", params: { name: "MqError" } });
    expect(refused.params!.message).toContain(`exchange "${OTHER}" is not one this endpoint lets clients watch`);
    expect(await c.ask({ handler: "watch", params: {} })).toMatchObject({ handler: "error", params: { name: "MqError" } });
    expect(t.runtime.monorailStats()).toEqual({ watchers: 0, mqConsumers: 0 });
  });

  it("identifies an mq watcher by its binding: extra params are refused, and no routingKey is the same watcher as \"#\"", async () => {
    const t = await startProject(files(), { connections: { main: SERVICES.rabbitmq.url } });
    const c = await MrClient.connect(t.url("rack") + "/mq");
    open.push(c);
    const extra = await c.ask({ handler: "watch", params: { exchange: ALLOWED, routingKey: "#", pad: "x".repeat(1000) } });
    expect(extra).toMatchObject({ handler: "error", resource: "mq", params: { name: "MqError" } });
    expect(extra.params!.message).toContain('takes only "exchange" and "routingKey"');
    expect(extra.params!.message).toContain('"pad"');
    c.send({ handler: "watch", params: { exchange: ALLOWED } });
    c.send({ handler: "watch", params: { exchange: ALLOWED, routingKey: "#" } });
    await waitUntil(async () => {
      await publisher.send({ exchange: ALLOWED, routingKey: "same.probe" }, "probe");
      return c.frames.some((f) => f.id === "same.probe");
    }, 10_000, "the mq consumer");
    await publisher.send({ exchange: ALLOWED, routingKey: "same.once" }, { once: true });
    // A marker after it: once it arrives, any second copy of same.once would have too.
    await publisher.send({ exchange: ALLOWED, routingKey: "same.marker" }, "marker");
    await waitUntil(() => c.frames.some((f) => f.id === "same.marker"), 5000, "the marker");
    expect(c.frames.filter((f) => f.id === "same.once")).toHaveLength(1);
    // Stopping without routingKey stops that one watcher, and the consumer goes with it.
    c.send({ handler: "stop", params: { exchange: ALLOWED } });
    await waitUntil(() => t.runtime.monorailStats().mqConsumers === 0, 5000, "the consumer disposed");
  });

  it("reports an mq connection that is not an operator amqp connection, naming the field, and serves the endpoint without mq", async () => {
    const t = await startProject(files("nowhere"), { connections: { main: SERVICES.rabbitmq.url, cache: "redis://127.0.0.1:6379" } });
    const line = await t.logs.waitFor((l) => l.field === "monorail.mq.connection");
    expect(line.msg).toMatch(/^p\/rack\.websocket:\d+:\d+: field "monorail\.mq\.connection" names connection "nowhere", which this server was not given\. Start the server with --connection nowhere=amqp:/);
    expect(line.msg).toContain("this server's amqp connections: main");
    const c = await MrClient.connect(t.url("rack") + "/mq");
    open.push(c);
    const refused = await c.ask({ handler: "watch", params: { exchange: ALLOWED, routingKey: "#" } });
    expect(refused).toMatchObject({ handler: "error", resource: "mq", params: { name: "MqError" } });
    expect(refused.params!.message).toContain('the mq resource is off: connection "nowhere" is not an amqp connection of this server');
    expect(await c.ask({ handler: "init" })).toMatchObject({ handler: "session" });
    expect(t.logs.lines.filter((l) => l.field === "monorail.mq.connection")).toHaveLength(1);
  });
});
