import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AerostatError, createRuntime } from "../../src/index.js";
import { TempProject } from "../helpers/project.js";
import { createTestRuntime, startProject } from "../helpers/runtime.js";

// Mistakes in a socketcluster endpoint's descriptor and in the runtime options it needs.

const HANDLER = `exports.onInvoke = (procedure, data) => data;`;
const text = (d: Record<string, unknown>) => JSON.stringify(d, null, 2);

describe("socketcluster descriptor mistakes", () => {
  it("names file, line and field for socketcluster options without the protocol, an unknown option (also in a history rule), and pingTimeoutMs under twice pingIntervalMs", async () => {
    const { logs } = await startProject({
      "p/h.js": HANDLER,
      "p/noproto.websocket": text({ handler: "p/h", endpoint: "noproto", socketcluster: { clientPublish: true } }),
      "p/unknown.websocket": text({ handler: "p/h", endpoint: "unknown", protocol: "socketcluster", socketcluster: { clientPublish: true, pingInterval: 100 } }),
      "p/history.websocket": text({ handler: "p/h", endpoint: "history", protocol: "socketcluster", socketcluster: { history: [{ channels: "news/*", size: 10, ttlMs: 60000, sizeMb: 5 }] } }),
      "p/pings.websocket": text({ handler: "p/h", endpoint: "pings", protocol: "socketcluster", socketcluster: { pingIntervalMs: 1000, pingTimeoutMs: 1500 } }),
    });
    // The log line's file carries the position: "p/e.websocket:4:3".
    const problem = (file: string) => logs.waitFor((l) => String(l.file).startsWith(`${file}:`));

    const noproto = await problem("p/noproto.websocket");
    expect(noproto).toMatchObject({ code: "AEROSTAT_DESCRIPTOR_FIELD", field: "socketcluster" });
    expect(noproto.msg).toBe('p/noproto.websocket:4:3: field "socketcluster" applies only to socketcluster endpoints; add "protocol": "socketcluster" or remove it');

    const unknown = await problem("p/unknown.websocket");
    expect(unknown).toMatchObject({ code: "AEROSTAT_DESCRIPTOR_FIELD", field: "socketcluster.pingInterval" });
    expect(unknown.msg).toBe('p/unknown.websocket:7:5: field "socketcluster.pingInterval" is not a socketcluster option; did you mean "pingIntervalMs"?');

    const history = await problem("p/history.websocket");
    expect(history).toMatchObject({ code: "AEROSTAT_DESCRIPTOR_FIELD", field: "socketcluster.history.0.sizeMb" });
    expect(history.msg).toBe('p/history.websocket:11:9: field "socketcluster.history.0.sizeMb" is not a field of a history rule; did you mean "size"?');

    const pings = await problem("p/pings.websocket");
    expect(pings).toMatchObject({ code: "AEROSTAT_DESCRIPTOR_FIELD", field: "socketcluster.pingTimeoutMs" });
    expect(pings.msg).toBe(
      'p/pings.websocket:7:22: field "socketcluster.pingTimeoutMs" must be at least twice pingIntervalMs (2000 or more here), or clients time out between two pings',
    );
  });
});

describe("socketcluster runtime options", () => {
  it("refuses an authKey shorter than 32 bytes, naming the option", () => {
    let error: unknown;
    try {
      createRuntime({ projectRoot: ".", authKey: "too-short" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AerostatError);
    expect(error).toMatchObject({ code: "AEROSTAT_OPTION_INVALID", location: { field: "authKey" } });
    expect((error as Error).message).toMatch(/^option "authKey": the key has 9 bytes and needs at least 32; /);
    expect(() => createRuntime({ projectRoot: ".", authKey: new Uint8Array(31) })).toThrow('option "authKey": the key has 31 bytes and needs at least 32');
  });

  it("fails the start on the redis engine when a socketcluster endpoint has no shared key, naming the descriptor", async () => {
    const project = await TempProject.create({
      "p/h.js": HANDLER,
      "p/sc.websocket": text({ handler: "p/h", endpoint: "sc", protocol: "socketcluster" }),
    });
    const nodeName = `sc-key-${randomBytes(4).toString("hex")}`;
    const runtime = createTestRuntime({ projectRoot: project.root, port: 0, host: "127.0.0.1", engine: "redis", redisUrl: "redis://127.0.0.1:6379", nodeName, watch: false });
    try {
      const error = await runtime.start().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AerostatError);
      expect(error).toMatchObject({ code: "AEROSTAT_AUTH_KEY_MISSING", location: { file: "p/sc.websocket", field: "protocol" } });
      expect((error as Error).message).toContain("--auth-key-file");
    } finally {
      await runtime.close(500);
      await project.dispose();
    }
  });
});
