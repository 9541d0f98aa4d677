import { existsSync } from "node:fs";
import { connect } from "@nats-io/transport-node";
import { afterAll, describe, expect, it } from "vitest";
import { natsConnectOptions } from "../../src/listeners/sources/nats.js";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { NATS_SERVER, NatsServer } from "../helpers/nats-server.js";
import { startProject } from "../helpers/runtime.js";
import { listenerFile, PROBE_HANDLER, unique, waitForGot, waitForListener } from "../helpers/listener-probe.js";

describe("the connect options of a nats URL", () => {
  it("carry the user name and password, %-decoded, and the server without them", () => {
    expect(natsConnectOptions("nats://alice:s%40cret@127.0.0.1:4222")).toEqual({ servers: "nats://127.0.0.1:4222", user: "alice", pass: "s@cret" });
  });
  it("carry a lone user part as the token", () => {
    expect(natsConnectOptions("tls://t0ken@nats.example:4443")).toEqual({ servers: "tls://nats.example:4443", token: "t0ken" });
  });
  it("carry nothing more for a URL without credentials", () => {
    expect(natsConnectOptions("nats://127.0.0.1:4222")).toEqual({ servers: "nats://127.0.0.1:4222" });
  });
  it("refuse a bad %-escape without showing the value", () => {
    expect(() => natsConnectOptions("nats://alice:pa%zzss@127.0.0.1:4222")).toThrow(`the URL's password holds a "%" that starts no %-escape; write "%" as %25`);
  });
});

const present = existsSync(NATS_SERVER);
if (!present) process.stderr.write(`aerostat tests: "nats listeners with credentials" skipped: no nats-server at ${NATS_SERVER}; run scripts/ensure-services.sh or set AEROSTAT_NATS_SERVER\n`);

describe.skipIf(!present)("nats listeners with credentials in the connection URL", () => {
  const servers: NatsServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.stop();
  });

  /** A listener on a private server started with `args`, its connection URL holding `credentials`; a message reaches it. */
  async function listensWith(args: string[], credentials: string, publishAs: Parameters<typeof connect>[0]) {
    const server = await NatsServer.start(args);
    servers.push(server);
    const subject = unique("secured");
    const url = `nats://${credentials}@127.0.0.1:${server.port}`;
    const test = await startProject(
      {
        "p/h.js": PROBE_HANDLER,
        "p/probe.websocket": descriptor("probe", "p/h"),
        "p/secured.listener": listenerFile({ source: "nats", connection: "n", subjects: [subject], handler: "p/h" }),
      },
      { connections: { n: url } },
    );
    const probe = await TestClient.connect(test.url("probe"));
    const status = await waitForListener(test.runtime, "secured", (s) => s.state === "up", 10_000);
    expect(status.connection.url).toBe(`nats://${credentials.includes(":") ? "alice:***" : "***"}@127.0.0.1:${server.port}`);
    const nc = await connect({ ...publishAs, servers: server.url });
    nc.publish(subject, "hello");
    await nc.flush();
    await nc.close();
    expect(await waitForGot(probe, (g) => g.length === 1)).toEqual([{ text: "hello", info: { name: "secured", source: "nats", subject } }]);
  }

  it("a user name and password authenticate", async () => {
    await listensWith(["--user", "alice", "--pass", "s3cret"], "alice:s3cret", { user: "alice", pass: "s3cret" });
  });

  it("a lone user part is the token", async () => {
    await listensWith(["--auth", "t0ken-abc"], "t0ken-abc", { token: "t0ken-abc" });
  });
});
