import { describe, expect, it } from "vitest";
import type { HandlerFault } from "../../src/index.js";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil } from "../helpers/runtime.js";

/**
 * The runtime's own guest code keeps working, and keeps its limits, when a
 * script rewires built-ins after the prelude ran: species constructors,
 * Object.prototype properties, and thenables that call back again and again.
 */
describe("prototype tricks against the runtime's guest code", () => {
  it("copies exactly the bytes sent, whatever ArrayBuffer species the script installs", async () => {
    const { url } = await startProject({
      "p/h.js": `
        const big = new ArrayBuffer(2 * 1024 * 1024);
        Object.defineProperty(ArrayBuffer, Symbol.species, { get: () => function () { return big; } });
        exports.onMessage = (m, c) => { c.send(new ArrayBuffer(1)); return "sent"; };`,
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const c = await TestClient.connect(url("h"));
    c.send("go");
    await c.received(2);
    expect((c.messages[0] as Buffer).length).toBe(1);
    expect(c.messages[1]).toBe("sent");
  });

  it("reports a thenable that rejects over and over a bounded number of times", async () => {
    const { url, runtime } = await startProject({
      "p/h.js": `
        exports.onMessage = () => ({ then(ok, fail) { for (let i = 0; i < 100000; i++) fail(new Error("again " + i)); } });
        exports.onError = () => {};`,
      "p/h.websocket": descriptor("h", "p/h"),
      "p/ping.js": "exports.onMessage = (m) => 'pong:' + m;",
      "p/ping.websocket": descriptor("ping", "p/ping"),
    });
    const faults: HandlerFault[] = [];
    runtime.on("fault", (f) => faults.push(f));
    (await TestClient.connect(url("h"))).send("go");
    await waitUntil(() => faults.length > 0, 5000, "the first fault");
    // The module still answers, and its next message is handled: the flood added nothing more.
    expect(await (await TestClient.connect(url("ping"))).ask("x")).toBe("pong:x");
    expect(faults.length).toBe(1);
    expect(faults[0]!.error).toBe("Error: again 0");
  });

  it("reads batches with its own tables, whatever the script puts on Object.prototype", async () => {
    const { url } = await startProject({
      "p/h.js": `
        Object.prototype.s = true;
        Array.prototype.NaN = "forged payload";
        exports.onMessage = (m) => (typeof m === "string" ? "text:" + m : "binary:" + m.byteLength);`,
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const c = await TestClient.connect(url("h"));
    c.send(Buffer.from([1, 2, 3]));
    c.send("hello");
    await c.received(2);
    expect(c.messages).toEqual(["binary:3", "text:hello"]);
  });

  it("keeps handing code-after-await output over when the script installs a throwing Promise species", async () => {
    const { url } = await startProject({
      "p/h.js": `
        exports.onMessage = (m, c) => {
          if (m === "arm") {
            Object.defineProperty(Promise.prototype, "constructor", { configurable: true, get() { throw new Error("species trap"); } });
            return "armed";
          }
          (async () => {
            await null;
            c.send("after await: " + m);
          })();
        };`,
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const c = await TestClient.connect(url("h"));
    expect(await c.ask("arm")).toBe("armed");
    expect(await c.ask("two")).toBe("after await: two");
    expect(await c.ask("three")).toBe("after await: three");
  });
});
