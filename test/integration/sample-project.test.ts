import path from "node:path";
import { describe, expect, it } from "vitest";
import { EvqClient, subscribeFrame } from "../evqueue/evq-client.js";
import { TestClient } from "../helpers/client.js";
import { createTestRuntime, LogCapture, waitUntil } from "../helpers/runtime.js";

const sample = path.resolve(import.meta.dirname, "../../sample-project");

describe("sample-project", () => {
  it("serves echo, a chat where two clients see each other, and the reference endpoint", async () => {
    const logs = new LogCapture();
    const runtime = createTestRuntime({ projectRoot: sample, port: 0, watch: false, logger: logs.logger });
    await runtime.listen();
    try {
      expect(runtime.endpoints().map((e) => e.endpoint)).toEqual(["chat", "echo", "greeter", "jobs", "my-endpoint", "rack", "rooms", "sc-chat", "sign-in", "test-websocket"]);

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

  it("serves the evQueue job queue: launch, list, the events it raises, and KO answers for bad input", async () => {
    const logs = new LogCapture();
    const runtime = createTestRuntime({ projectRoot: sample, port: 0, watch: false, logger: logs.logger });
    await runtime.listen();
    const clients: EvqClient[] = [];
    try {
      // Sign-in is off: the first frame is <ready>, with the descriptor's version and modules.
      const api = await EvqClient.connect(runtime.serviceUrl("jobs"), "api");
      clients.push(api);
      const ready = await api.next();
      expect(ready.name).toBe("ready");
      expect(ready.attributes).toMatchObject({ profile: "ADMIN", version: "3.3", status: "OK" });
      expect(ready.children[0]!.children.map((m) => m.attributes)).toEqual([{ name: "jobs", version: "1.0" }]);

      const events = await EvqClient.ready(runtime.serviceUrl("jobs"), "events");
      clients.push(events);
      events.send(subscribeFrame("INSTANCE_TERMINATED", '<instances action="list"/>', { externalId: 4 }));
      // Only the three names the sample raises may be subscribed to.
      const refused = await events.ask(subscribeFrame("WORKFLOW_CREATED", '<instances action="list"/>', { externalId: 9 }));
      expect(refused.attributes).toMatchObject({ status: "KO", "external-id": "9" });

      const launched = await api.ask('<instance action="launch" name="nightly backup"><parameter name="seconds" value="0.05"/></instance>');
      expect(launched.attributes).toMatchObject({ status: "OK", "instance-id": "1" });
      const ended = await events.waitFor((f) => f.attributes["external-id"] === "4", 5000, "INSTANCE_TERMINATED's list");
      expect(ended.attributes["object-id"]).toBe("1");
      expect(ended.children.map((c) => [c.name, c.attributes["name"], c.attributes["status"], c.attributes["errors"]])).toEqual([["instance", "nightly backup", "TERMINATED", "0"]]);

      const bad = async (command: string) => (await api.ask(command)).attributes;
      expect(await bad('<instance action="launch" name="a/b"/>')).toMatchObject({ status: "KO", "error-code": "INVALID_PARAMETER" });
      expect(await bad('<instance action="launch" name="x" seconds="soon"/>')).toMatchObject({ status: "KO", "error-code": "INVALID_PARAMETER" });
      expect(await bad('<instance action="kill" id="1"/>')).toMatchObject({ status: "KO", "error-code": "INSTANCE_NOT_RUNNING" });
      expect(await bad('<instance action="query" id="77"/>')).toMatchObject({ status: "KO", "error-code": "UNKNOWN_INSTANCE", error: "there is no instance 77 (deleted, or from before a reload)" });
      expect(await bad('<queue action="list"/>')).toMatchObject({ status: "KO", "error-code": "UNKNOWN_COMMAND" });
      expect(await bad('<instance action="delete" id="1"/>')).toMatchObject({ status: "OK" });
      expect((await api.ask('<instances action="list"/>')).children).toEqual([]);
      // KO answers are the client's: nothing is logged as a warning or an error.
      expect(logs.lines.filter((l) => l.level >= 40 && /jobs/.test(JSON.stringify(l)))).toEqual([]);
    } finally {
      for (const c of clients) await c.close();
      await runtime.close();
    }
  });
});
