import path from "node:path";
import { describe, expect, it } from "vitest";
import { TestClient } from "../helpers/client.js";
import { createTestRuntime, LogCapture, waitUntil } from "../helpers/runtime.js";

const sample = path.resolve(import.meta.dirname, "../../sample-project");

describe("sample-project", () => {
  it("serves echo, a chat where two clients see each other, and the reference endpoint", async () => {
    const logs = new LogCapture();
    const runtime = createTestRuntime({ projectRoot: sample, port: 0, watch: false, logger: logs.logger });
    await runtime.listen();
    try {
      expect(runtime.endpoints().map((e) => e.endpoint)).toEqual(["chat", "echo", "greeter", "my-endpoint", "rack", "rooms", "sc-chat", "sign-in", "test-websocket"]);

      const echo = await TestClient.connect(runtime.serviceUrl("echo"));
      expect(String((await echo.received(1))[0])).toMatch(/^connected to echo as s\d+$/);
      expect(await echo.ask("hi")).toBe("echo: hi");

      const alice = await TestClient.connect(runtime.serviceUrl("chat"));
      const bob = await TestClient.connect(runtime.serviceUrl("chat"));
      // Alice hears bob join. (Bob may or may not hear alice's own join: a broadcast
      // reaches the sessions open when it is delivered.)
      const has = (c: TestClient, re: RegExp) => () => c.messages.some((m) => re.test(String(m)));
      await waitUntil(has(alice, /^\* s\d+ joined \(2 here\)$/));
      bob.send("hello alice");
      await waitUntil(has(alice, /^s\d+: hello alice$/));
      alice.send("hi bob");
      await waitUntil(has(bob, /^s\d+: hi bob$/));
      expect(alice.messages.some((m) => String(m).includes("hi bob"))).toBe(false);

      const greeter = await TestClient.connect(runtime.serviceUrl("greeter"));
      expect(await greeter.ask(" Ada ")).toBe("hello, Ada (visitor 1)");
      expect(await greeter.ask("")).toBe("error: Error: a greeting needs a name");
      await logs.waitFor((l) => l.msg === "greeter/greeter.ts:16:11: onMessage threw Error: a greeting needs a name");

      const seed = await TestClient.connect(runtime.serviceUrl("my-endpoint"));
      seed.send("hello");
      await logs.waitFor((l) => l.msg === "Message received: hello");

      // The reference's client script, as a script service: its client says hello to my-endpoint.
      const before = logs.lines.filter((l) => l.msg === "Message received: hello").length;
      const service = await fetch(`${runtime.url}/services/js/my-project/client.js`);
      expect(await service.text()).toBe(`sent hello to ${runtime.serviceUrl("my-endpoint")}\n`);
      await waitUntil(() => logs.lines.filter((l) => l.msg === "Message received: hello").length === before + 1);
    } finally {
      await runtime.close();
    }
  });
});
