import { describe, expect, it } from "vitest";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil } from "../helpers/runtime.js";

describe("limits hold per event", () => {
  it("counts sends and log output after an await against the event's caps", async () => {
    const { url, logs } = await startProject({
      "p/late.js": `
        exports.onMessage = async (m, c) => {
          if (m === "done") return "done";
          await null;
          if (m === "sends") for (let i = 0; i < 50000; i++) c.send("f" + i);
          if (m === "logs") { const big = "x".repeat(1024 * 1024); for (let i = 0; i < 300; i++) console.log(big); }
        };`,
      "p/late.websocket": descriptor("late", "p/late"),
    });
    const c = await TestClient.connect(url("late"));
    c.send("sends");
    c.send("done");
    await waitUntil(() => c.messages.includes("done"), 10_000, "the answer to done");
    // One event, however many awaits, sends at most maxOutboxEntries frames.
    expect(c.messages.indexOf("done")).toBe(10_000);
    await logs.waitFor((l) => /onMessage threw RangeError: Too many outgoing operations in one event \(limit 10000\)/.test(l.msg));

    c.send("logs");
    c.send("done");
    await waitUntil(() => c.messages.filter((m) => m === "done").length === 2, 10_000, "the second answer to done");
    const logged = logs.lines.filter((l) => l.console === "log").reduce((sum, l) => sum + l.msg.length, 0);
    expect(logged).toBeGreaterThan(0);
    expect(logged).toBeLessThan(32 * 1024 * 1024);
  });

  it("never lets a flooding client use up another client's caps when their events share a batch", async () => {
    const { url, logs } = await startProject(
      {
        "p/fan.js": "exports.onMessage = (m, c) => { for (let i = 0; i < 60; i++) c.send(m + ':' + i); };",
        "p/fan.websocket": descriptor("fan", "p/fan"),
      },
      { maxOutboxEntries: 100 },
    );
    const flooder = await TestClient.connect(url("fan"));
    const victim = await TestClient.connect(url("fan"));
    for (let i = 0; i < 200; i++) flooder.send(`f${i}`);
    for (let i = 0; i < 20; i++) victim.send(`v${i}`);
    await victim.received(20 * 60, 20_000);
    await flooder.received(200 * 60, 20_000);
    expect(logs.messages().filter((m) => /Too many outgoing operations/.test(m))).toEqual([]);
  });

  it("gives every event its whole CPU limit, whatever ran before it in the batch", async () => {
    const { url, logs } = await startProject(
      {
        "p/busy.js": "exports.onMessage = (m) => { const end = Date.now() + Number(m); while (Date.now() < end) {} return 'done ' + m; };",
        "p/busy.websocket": descriptor("busy", "p/busy"),
      },
      { cpuLimitMs: 600 },
    );
    const first = await TestClient.connect(url("busy"));
    const second = await TestClient.connect(url("busy"));
    for (let round = 0; round < 3; round++) {
      // Sent in the same turn, so both wait in the queue and go into one batch.
      first.send("250");
      second.send("400");
      await Promise.all([first.received(round + 1, 10_000), second.received(round + 1, 10_000)]).catch((error: Error) => {
        throw new Error(`${error.message}; the runtime logged: ${JSON.stringify(logs.messages())}`);
      });
    }
    expect(first.messages).toEqual(["done 250", "done 250", "done 250"]);
    expect(second.messages).toEqual(["done 400", "done 400", "done 400"]);
    expect(logs.messages().filter((m) => /CPU limit/.test(m))).toEqual([]);
  });

  it("bounds immediate API calls per event, in number and in argument size", async () => {
    const { url } = await startProject({
      "p/calls.js": `
        const ws = require("net/v4/websockets");
        exports.onMessage = (m) => {
          let n = 0;
          try {
            if (m === "loop") for (;;) { ws.getSessions(); n++; }
            return String(ws.getSession("x".repeat(10 * 1024 * 1024)));
          } catch (e) {
            return n + " " + e;
          }
        };`,
      "p/calls.websocket": descriptor("calls", "p/calls"),
    });
    const c = await TestClient.connect(url("calls"));
    expect(await c.ask("loop")).toMatch(/^1000 RangeError: Too many API calls in one event \(limit 1000\)\./);
    expect(await c.ask("huge")).toMatch(/^0 RangeError: API call arguments too long \(\d+ characters, limit 65536\)\.$/);
    // The budget is per event: the next event may call again.
    expect(await c.ask("loop")).toMatch(/^1000 /);
  });

  it("ends a batch at an event that goes async, so the code after its await has the whole CPU limit", async () => {
    const { url, logs } = await startProject(
      {
        "p/later.js": `
          exports.onMessage = async (m) => {
            const busy = (ms) => { const end = Date.now() + ms; while (Date.now() < end) {} };
            busy(Number(m) / 2);
            await null;
            busy(Number(m) / 2);
            return "done " + m;
          };`,
        "p/later.websocket": descriptor("later", "p/later"),
      },
      { cpuLimitMs: 600 },
    );
    const first = await TestClient.connect(url("later"));
    const second = await TestClient.connect(url("later"));
    first.send("400");
    second.send("400");
    await waitUntil(() => first.messages.length + second.messages.length === 2, 10_000, "both answers");
    expect([...first.messages, ...second.messages]).toEqual(["done 400", "done 400"]);
    expect(logs.messages().filter((m) => /CPU limit/.test(m))).toEqual([]);
  });
});
