import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { killAll, ServedProject } from "../helpers/cli-process.js";
import { TestClient } from "../helpers/client.js";
import { descriptor, TempProject } from "../helpers/project.js";
import { RedisServer } from "../helpers/redis-server.js";
import { waitUntil } from "../helpers/runtime.js";

/** Commands as JSON; answers are JSON tagged by the command, so a client can tell them from broadcasts. */
const HANDLER = `
  const websockets = require("net/v4/websockets");
  const events = require("net/v4/events");
  exports.onMessage = async (m, connection) => {
    const cmd = JSON.parse(m);
    const reply = (v) => connection.send(JSON.stringify({ tag: cmd.tag, ...v }));
    switch (cmd.op) {
      case "id": return reply({ id: connection.id });
      case "broadcast":
        websockets.broadcast(JSON.stringify({ broadcast: cmd.text }), { endpoint: "ev" });
        return reply({ broadcasted: true });
      case "send": return reply({ sent: await websockets.sendTo(cmd.to, JSON.stringify({ direct: cmd.text })) });
      case "on":
        events.on(cmd.name, cmd.id, cmd.ms).then((args) => reply({ args }), (e) => reply({ error: e.name }));
        return reply({ armed: true });
      case "emit": await events.emit(cmd.name, cmd.id, ...cmd.args); return reply({ emitted: true });
      case "count": return reply({ count: await websockets.countSessions(cmd.endpoint) });
    }
  };`;

/** A ws client on one node, speaking the handler's commands. */
class Client {
  private seen = 0;
  private constructor(
    readonly node: string,
    readonly ws: TestClient,
  ) {}

  static async connect(node: ServedProject, name: string): Promise<Client> {
    return new Client(name, await TestClient.connect(`${node.url.replace("http", "ws")}/websockets/v4/service/ev`));
  }

  json(): Record<string, unknown>[] {
    return this.ws.messages.filter((m) => typeof m === "string").map((m) => JSON.parse(String(m)) as Record<string, unknown>);
  }

  /** Every message of this client with `field` (broadcasts, direct messages). */
  all(field: string): unknown[] {
    return this.json().filter((a) => field in a).map((a) => a[field]);
  }

  async send(cmd: Record<string, unknown>, field: string, timeoutMs = 5000): Promise<Record<string, unknown>> {
    const tag = String(cmd.tag ?? `t${++this.seen}`);
    this.ws.send(JSON.stringify({ ...cmd, tag }));
    return this.next(tag, field, timeoutMs);
  }

  next(tag: string, field: string, timeoutMs = 5000): Promise<Record<string, unknown>> {
    return waitUntil(() => this.json().find((a) => a.tag === tag && field in a), timeoutMs, `"${field}" for ${tag} on ${this.node}`);
  }

  async count(): Promise<number> {
    return Number((await this.send({ op: "count" }, "count")).count);
  }
}

let redis: RedisServer;
let project: TempProject;
beforeAll(async () => {
  redis = await RedisServer.start();
  project = await TempProject.create({ "p/ev.js": HANDLER, "p/ev.websocket": descriptor("ev", "p/ev") });
});
afterEach(() => killAll());
afterAll(() => project?.dispose());

/** The subscribers Redis counts on a channel of project p. */
async function subscribers(channel: string): Promise<number> {
  const out = (await redis.cli("pubsub", "numsub", `aerostat:{p}:${channel}`)).trim().split("\n");
  return Number(out.at(-1));
}

describe("three aerostat nodes, each its own process, on one Redis", () => {
  it("broadcast, sendTo, events and countSessions reach across all three; a killed node's sessions drop out of the count", async () => {
    const flags = (name: string) => ["--no-watch", "--engine", "redis", "--redis-url", redis.url, "--node-name", name];
    const [n1, n2, n3] = await Promise.all(["n1", "n2", "n3"].map((name) => ServedProject.start(project.root, 0, flags(name))));
    await n3!.process.waitFor(/engine redis: node n3, \d peers? seen/);

    // Two clients on n1, one on n2, two on n3.
    const c1a = await Client.connect(n1!, "n1");
    const c1b = await Client.connect(n1!, "n1");
    const c2 = await Client.connect(n2!, "n2");
    const c3a = await Client.connect(n3!, "n3");
    const c3b = await Client.connect(n3!, "n3");
    const everyone = [c1a, c1b, c2, c3a, c3b];
    const c3aId = String((await c3a.send({ op: "id" }, "id")).id);
    expect(c3aId).toMatch(/^n3\.s\d+$/);
    // Each node subscribes once it serves a session of the project: wait until Redis has all three.
    await waitUntil(async () => (await subscribers("ws:broadcast")) === 3 || undefined, 5000, "three nodes on the broadcast channel");
    await waitUntil(async () => (await subscribers("node:n3")) === 1 || undefined, 5000, "n3 on its sendTo channel");

    // A broadcast typed on n1 reaches every client on every node.
    await c1a.send({ op: "broadcast", text: "hello all" }, "broadcasted");
    for (const c of everyone) await waitUntil(() => c.all("broadcast").length > 0 || undefined, 5000, `the broadcast on ${c.node}`);

    // sendTo from n1 to one session of n3.
    expect((await c1b.send({ op: "send", to: c3aId, text: "just for you" }, "sent")).sent).toBe(true);
    await waitUntil(() => c3a.all("direct").length > 0 || undefined, 5000, "the direct message on n3");

    // An on() waiting on n2, resolved by an emit on n3.
    await c2.send({ op: "on", name: "job", id: 7, ms: 10_000, tag: "wait" }, "armed");
    await waitUntil(async () => (await subscribers("ev:events")) === 1 || undefined, 5000, "n2 on the events channel");
    await c3b.send({ op: "emit", name: "job", id: 7, args: ["done", { rows: 42 }] }, "emitted");
    expect((await c2.next("wait", "args")).args).toEqual(["done", { rows: 42 }]);

    // countSessions on any node counts the sessions of all three.
    for (const c of [c1a, c2, c3b]) await waitUntil(async () => (await c.count()) === 5 || undefined, 5000, `5 sessions counted on ${c.node}`);

    // Each client got the broadcast exactly once, and only c3a the direct message.
    for (const c of everyone) expect(c.all("broadcast")).toEqual(["hello all"]);
    for (const c of everyone) expect(c.all("direct")).toEqual(c === c3a ? ["just for you"] : []);

    // n3 dies without a word: the others stop counting its sessions within the heartbeat TTL (5 s, refreshed every 1.5 s).
    await n3!.kill();
    // (The wait allows twice the TTL: on a loaded machine the survivors' own beats and reads run late.)
    await Promise.all([c1a, c2].map((c) => waitUntil(async () => (await c.count()) === 3 || undefined, 12_000, `${c.node} to count 3 sessions`)));
  }, 30_000);
});
