import { afterEach, describe, expect, it } from "vitest";
import { ScGateway } from "../../src/protocols/socketcluster/gateway.js";
import { pino } from "pino";
import { WebSocketServer, type WebSocket } from "ws";
import { applyOutbox } from "../../src/ops/apply-outbox.js";
import type { Services } from "../../src/ops/services.js";
import { OpTable } from "../../src/ops/op-table.js";
import { MemoryBus } from "../../src/bus/memory-bus.js";
import { ClientRegistry } from "../../src/peers/clients.js";
import { HttpExchanges } from "../../src/peers/exchanges.js";
import { http } from "../../src/capabilities/http/index.js";
import { createServer, type ServerResponse } from "node:http";
import { TrafficMeter } from "../../src/peers/traffic.js";
import { SessionRegistry } from "../../src/peers/sessions.js";
import type { HandlerModule } from "../../src/sandbox/handler-module.js";
import { TestClient } from "../helpers/client.js";

// The host must not trust the outbox: a guest that forged entries naming
// another project's session (the API gives it no way to) still reaches nothing.
const servers: WebSocketServer[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

async function sessionPair(): Promise<{ server: WebSocket; client: TestClient }> {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  servers.push(wss);
  await new Promise((r) => wss.once("listening", r));
  const accepted = new Promise<WebSocket>((r) => wss.once("connection", r));
  const client = await TestClient.connect(`ws://127.0.0.1:${(wss.address() as { port: number }).port}/`);
  return { server: await accepted, client };
}

/** A socketcluster gateway over the same parts (unused by these tests, but part of the services). */
function scGateway(sessions: SessionRegistry, bus: MemoryBus, traffic: TrafficMeter): ScGateway {
  return new ScGateway({ sessions, bus, traffic, log: pino({ level: "silent" }), authKey: new Uint8Array(32), historyRules: () => [] });
}

const field = (t: string) => `${t.length}:${t}`;

describe("outbox scope", () => {
  it("ignores forged sends and closes aimed at another project's session", async () => {
    const sessions = new SessionRegistry(1 << 20);
    const traffic = new TrafficMeter();
    const { server, client } = await sessionPair();
    const victim = sessions.add("two", "two", "two/h.js", server);
    const bus = new MemoryBus(() => undefined);
    const services: Services = {
      sessions,
      bus,
      socketcluster: scGateway(sessions, bus, traffic),
      clients: new ClientRegistry(traffic, 1 << 20),
      exchanges: new HttpExchanges(pino({ level: "silent" })),
      traffic,
      log: pino({ level: "silent" }),
      configuration: new Map(),
      openClient: () => ({ error: "unused" }),
      checkOutbound: () => ({ ok: false, error: "unused" }),
      reportFault: () => undefined,
    };
    const module = (project: string) => ({ project, key: `${project}/h.js` }) as HandlerModule;
    const forged = "s" + field(victim.id) + field("intrusion") + "c" + field(victim.id) + field("4000") + field("bye");

    const ops = new OpTable([]);
    applyOutbox(services, ops, module("one"), forged, [], true);
    // A send the session's own project makes next arrives first, and on an open socket:
    // the forged send went nowhere and the forged close closed nothing.
    applyOutbox(services, ops, module("two"), "s" + field(victim.id) + field("marker"), [], true);
    expect(await client.received(1)).toEqual(["marker"]);
    expect(client.isOpen).toBe(true);

    // The same outbox from the session's own project goes through.
    applyOutbox(services, ops, module("two"), forged, [], true);
    expect(await client.received(2)).toEqual(["marker", "intrusion"]);
    expect(await client.closed).toEqual({ code: 4000, reason: "bye" });
  });

  it("ignores a forged answer to another project's script service request", async () => {
    const log = pino({ level: "silent" });
    const exchanges = new HttpExchanges(log);
    const traffic = new TrafficMeter();
    const bus = new MemoryBus(() => undefined);
    const sessions = new SessionRegistry(1 << 20);
    const services: Services = {
      sessions,
      bus,
      socketcluster: scGateway(sessions, bus, traffic),
      clients: new ClientRegistry(traffic, 1 << 20),
      exchanges,
      traffic,
      configuration: new Map(),
      log,
      openClient: () => ({ error: "unused" }),
      checkOutbound: () => ({ ok: false, error: "unused" }),
      reportFault: () => undefined,
    };
    let id = "";
    const server = createServer((_req, res: ServerResponse) => {
      id = exchanges.open("two", "two/s.js", res, 5000);
      // The forged answer first, then the owner's.
      applyOutbox(services, ops, module("one"), post(id, "forged"), [], true);
      applyOutbox(services, ops, module("two"), post(id, "genuine"), [], true);
    });
    const ops = new OpTable([http]);
    const module = (project: string) => ({ project, key: `${project}/s.js` }) as HandlerModule;
    const post = (requestId: string, body: string) => "p" + field("http.respond") + field(JSON.stringify([requestId, 200, [], body]));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
      expect(await res.text()).toBe("genuine");
      expect(id).toMatch(/^h\d+$/);
    } finally {
      server.close();
    }
  });
});
