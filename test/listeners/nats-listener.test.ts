import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, expect, it } from "vitest";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { SERVICES, describeWith } from "../helpers/services.js";
import { startProject } from "../helpers/runtime.js";
import { gotSoFar, listenerFile, PROBE_HANDLER, unique, waitForGot, waitForListener } from "../helpers/listener-probe.js";

await describeWith(["nats"], "nats listeners", () => {
  let nc: NatsConnection;
  beforeAll(async () => {
    nc = await connect({ servers: SERVICES.nats.url });
  });
  afterAll(async () => {
    await nc.close();
  });

  it("hands each message on its subjects (wildcards too) to onMessage with the subject", async () => {
    const prefix = unique("telemetry");
    const { runtime, url } = await startProject(
      {
        "p/h.js": PROBE_HANDLER,
        "p/probe.websocket": descriptor("probe", "p/h"),
        "p/telemetry.listener": listenerFile({ source: "nats", connection: "n", subjects: [`${prefix}.>`], handler: "p/h" }),
      },
      { connections: { n: SERVICES.nats.url } },
    );
    const probe = await TestClient.connect(url("probe"));
    await waitForListener(runtime, "telemetry", (s) => s.state === "up");
    nc.publish(`${prefix}.a.temp`, "21.5");
    nc.publish(`${unique("other")}.a`, "not mine");
    nc.publish(`${prefix}.b`, "22");
    await nc.flush();
    const got = await waitForGot(probe, (g) => g.length === 2);
    expect(got).toEqual([
      { text: "21.5", info: { name: "telemetry", source: "nats", subject: `${prefix}.a.temp` } },
      { text: "22", info: { name: "telemetry", source: "nats", subject: `${prefix}.b` } },
    ]);
    expect(await waitForListener(runtime, "telemetry", (s) => s.delivered === 2)).toMatchObject({ connection: { name: "n" }, received: 2, gaps: 0 });
  });

  it("listeners in one queue group share the messages: each goes to one of them", async () => {
    const subject = unique("work");
    const queue = unique("workers");
    const { runtime, url } = await startProject(
      {
        "p/h.js": PROBE_HANDLER,
        "p/probe.websocket": descriptor("probe", "p/h"),
        "p/one.listener": listenerFile({ source: "nats", connection: "n", subjects: [subject], queue, handler: "p/h" }),
        "p/two.listener": listenerFile({ source: "nats", connection: "n", subjects: [subject], queue, handler: "p/h" }),
      },
      { connections: { n: SERVICES.nats.url } },
    );
    const probe = await TestClient.connect(url("probe"));
    await waitForListener(runtime, "one", (s) => s.state === "up");
    await waitForListener(runtime, "two", (s) => s.state === "up");
    for (let i = 0; i < 20; i++) nc.publish(subject, `job${i}`);
    await nc.flush();
    const got = await waitForGot(probe, (g) => g.length === 20);
    expect(got.map((g) => g.text).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `job${i}`).sort());
    expect((await gotSoFar(probe)).length).toBe(20);
  });
});
