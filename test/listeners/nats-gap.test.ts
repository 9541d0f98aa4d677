import { existsSync } from "node:fs";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { NATS_SERVER, NatsServer } from "../helpers/nats-server.js";
import { startProject } from "../helpers/runtime.js";
import { listenerFile, PROBE_HANDLER, unique, waitForGot, waitForListener } from "../helpers/listener-probe.js";

const present = existsSync(NATS_SERVER);
if (!present) process.stderr.write(`aerostat tests: "a nats listener after its connection dropped" skipped: no nats-server at ${NATS_SERVER}; run scripts/ensure-services.sh or set AEROSTAT_NATS_SERVER\n`);

describe.skipIf(!present)("a nats listener after its connection dropped", () => {
  let server: NatsServer;
  beforeAll(async () => {
    server = await NatsServer.start();
  });
  afterAll(async () => {
    await server.stop();
  });

  it("is shown down, tells onError, and after the reconnect hands the handler one gap message, then new messages", async () => {
    const subject = unique("gap");
    const { runtime, url } = await startProject(
      {
        "p/h.js": PROBE_HANDLER,
        "p/probe.websocket": descriptor("probe", "p/h"),
        "p/events.listener": listenerFile({ source: "nats", connection: "private", subjects: [subject], handler: "p/h" }),
      },
      { connections: { private: server.url } },
    );
    const probe = await TestClient.connect(url("probe"));
    await waitForListener(runtime, "events", (s) => s.state === "up");
    const publish = async (text: string) => {
      const nc = await connect({ servers: server.url });
      nc.publish(subject, text);
      await nc.flush();
      await nc.close();
    };
    await publish("before");
    await waitForGot(probe, (g) => g.length === 1);

    await server.kill();
    const down = await waitForListener(runtime, "events", (s) => s.state === "down");
    expect(down.lastError).toContain(`nats connection "private"`);
    await server.restart();
    await waitForListener(runtime, "events", (s) => s.state === "up" && s.gaps === 1, 15_000);
    await publish("after");
    const got = await waitForGot(probe, (g) => g.some((x) => x.text === "after"));
    expect(got.filter((g) => g.text !== undefined)).toEqual([
      { text: "before", info: { name: "events", source: "nats", subject } },
      { text: "", info: { name: "events", source: "nats", gap: true } },
      { text: "after", info: { name: "events", source: "nats", subject } },
    ]);
    expect(got.find((g) => g.error !== undefined)?.error).toContain(`nats connection "private"`);
  });
});
