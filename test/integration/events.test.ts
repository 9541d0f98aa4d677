import { describe, expect, it } from "vitest";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { nextReload, startProject, waitUntil } from "../helpers/runtime.js";

/** A handler that runs net/v4/events commands sent as JSON and answers with JSON tagged by the command. */
const HANDLER = `
  const events = require("net/v4/events");
  const { TimeoutError } = events;
  let readyRuns = 0;
  events.onready(() => { readyRuns++; });
  const describe = (e) => ({ error: e.name, message: e.message, timeout: e instanceof TimeoutError, isError: e instanceof Error });
  exports.onMessage = async (m, connection) => {
    const cmd = JSON.parse(m);
    const reply = (v) => connection.send(JSON.stringify({ tag: cmd.tag, ...v }));
    switch (cmd.op) {
      case "on":
        events.on(cmd.name, cmd.id, cmd.ms).then((args) => reply({ args }), (e) => reply(describe(e)));
        return reply({ armed: true });
      case "spread": {
        const [a, b, c] = await events.on(cmd.name, cmd.id);
        return reply({ a, b, c });
      }
      case "emit":
        try {
          await events.emit(cmd.name, cmd.id, ...cmd.args);
          return reply({ emitted: true });
        } catch (e) {
          return reply(describe(e));
        }
      case "many": {
        let timeouts = 0;
        for (let i = 0; i < cmd.n; i++) {
          events.on("many", cmd.key + "-" + i, cmd.ms).catch((e) => {
            if (e instanceof TimeoutError && ++timeouts === cmd.n) reply({ timeouts });
          });
        }
        return reply({ armed: cmd.n });
      }
      case "big":
        return events.emit("big", 1, "x".repeat(70000)).then(() => reply({ emitted: true }), (e) => reply(describe(e)));
      case "timeout":
        if (cmd.set !== undefined) {
          try { events.setTimeout(cmd.set); } catch (e) { return reply(describe(e)); }
        }
        return reply({ timeout: events.getTimeout() });
      case "ready":
        return reply({ readyRuns });
      case "late-ready":
        events.onready(() => reply({ lateReady: true, readyRuns }));
        return;
    }
  };`;

const files = {
  "p/ev.js": HANDLER,
  "p/ev.websocket": descriptor("ev", "p/ev"),
  "q/ev.js": HANDLER,
  "q/ev.websocket": descriptor("q-ev", "q/ev"),
};

type Answer = Record<string, unknown> & { tag: string };

/** A client of the events handler: commands out, tagged answers in. */
class Events {
  private seen = 0;
  private constructor(readonly client: TestClient) {}

  static async connect(url: string): Promise<Events> {
    return new Events(await TestClient.connect(url));
  }

  answers(tag: string): Answer[] {
    return this.client.messages.map((m) => JSON.parse(String(m)) as Answer).filter((a) => a.tag === tag);
  }

  /** Sends a command; resolves with the first answer of its tag that has `field`. */
  async send(cmd: Record<string, unknown>, field: string, timeoutMs = 5000): Promise<Answer> {
    const tag = String(cmd.tag ?? `t${++this.seen}`);
    this.client.send(JSON.stringify({ ...cmd, tag }));
    return this.next(tag, field, timeoutMs);
  }

  next(tag: string, field: string, timeoutMs = 5000): Promise<Answer> {
    return waitUntil(() => this.answers(tag).find((a) => field in a), timeoutMs, `an answer "${field}" to ${tag}`);
  }
}

describe("net/v4/events on one node", () => {
  it("tells events apart by name and id, passes the args, and resolves every waiter of the key", async () => {
    const { url, runtime } = await startProject(files);
    const a = await Events.connect(url("ev"));
    const b = await Events.connect(url("ev"));
    await a.send({ op: "on", name: "job", id: 7, tag: "w1", ms: 5000 }, "armed");
    await b.send({ op: "on", name: "job", id: "7", tag: "w2", ms: 5000 }, "armed");
    await a.send({ op: "on", name: "other", id: 7, tag: "w3", ms: 5000 }, "armed");
    expect(runtime.eventStats()).toEqual({ waiters: 3, channels: 1 });
    await b.send({ op: "emit", name: "job", id: 8, args: ["wrong id"] }, "emitted");
    await b.send({ op: "emit", name: "pi event", id: 7, args: ["wrong name"] }, "emitted");
    expect(runtime.eventStats().waiters).toBe(3);
    await b.send({ op: "emit", name: "job", id: 7, args: ["arg1", 1, { type: "object" }] }, "emitted");
    expect((await a.next("w1", "args")).args).toEqual(["arg1", 1, { type: "object" }]);
    // Ids are compared as text, as upstream's "<name>:<id>" channel does: 7 and "7" are one event.
    expect((await b.next("w2", "args")).args).toEqual(["arg1", 1, { type: "object" }]);
    expect(runtime.eventStats()).toEqual({ waiters: 1, channels: 1 });
    expect(a.answers("w3")).toEqual([{ tag: "w3", armed: true }]);
  });

  it("gives the args to destructuring, as upstream's spread did", async () => {
    const { url, runtime } = await startProject(files);
    const a = await Events.connect(url("ev"));
    const b = await Events.connect(url("ev"));
    a.client.send(JSON.stringify({ op: "spread", name: "pi event", id: 314, tag: "s" }));
    await waitUntil(() => runtime.eventStats().waiters === 1 || undefined, 5000, "the waiter");
    await b.send({ op: "emit", name: "pi event", id: 314, args: ["arg1", 1, { type: "object" }] }, "emitted");
    expect(await a.next("s", "a")).toEqual({ tag: "s", a: "arg1", b: 1, c: { type: "object" } });
  });

  it("rejects a waiter with TimeoutError after its timeout, and only that waiter", async () => {
    const { url, runtime } = await startProject(files);
    const a = await Events.connect(url("ev"));
    const started = Date.now();
    await a.send({ op: "on", name: "wont", id: "happen", ms: 200, tag: "t" }, "armed");
    const failed = await a.next("t", "error");
    const took = Date.now() - started;
    expect(failed).toEqual({ tag: "t", error: "TimeoutError", message: "Timeout exceeded!", timeout: true, isError: true });
    expect(took).toBeGreaterThanOrEqual(190);
    expect(took).toBeLessThan(1000);

    // Two waiters of one key: the one with 100 ms times out; the other is still waiting and later gets the real args.
    await a.send({ op: "on", name: "job", id: 1, ms: 100, tag: "short" }, "armed");
    await a.send({ op: "on", name: "job", id: 1, ms: 5000, tag: "long" }, "armed");
    expect((await a.next("short", "error")).error).toBe("TimeoutError");
    expect(runtime.eventStats().waiters).toBe(1);
    expect(a.answers("long")).toEqual([{ tag: "long", armed: true }]);
    await a.send({ op: "emit", name: "job", id: 1, args: ["real"] }, "emitted");
    expect((await a.next("long", "args")).args).toEqual(["real"]);
    expect(runtime.eventStats()).toEqual({ waiters: 0, channels: 0 });
  });

  it("waits 10000 ms by default; setTimeout changes the module's default and refuses nonsense", async () => {
    const { url } = await startProject(files);
    const a = await Events.connect(url("ev"));
    expect((await a.send({ op: "timeout" }, "timeout")).timeout).toBe(10000);
    expect((await a.send({ op: "timeout", set: -5 }, "error")).message).toMatch(/events.setTimeout: ms must be a number of milliseconds from 1 to 86400000, got -5/);
    expect((await a.send({ op: "timeout", set: 250 }, "timeout")).timeout).toBe(250);
    const started = Date.now();
    await a.send({ op: "on", name: "x", id: 1, tag: "d" }, "armed");
    expect((await a.next("d", "error")).error).toBe("TimeoutError");
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("leaves nothing behind: 10,000 timed-out waiters empty the map and drop the channel; one more is refused", async () => {
    const { url, runtime } = await startProject(files);
    const a = await Events.connect(url("ev"));
    for (let i = 0; i < 5; i++) await a.send({ op: "many", n: 2000, key: `k${i}`, ms: 1500, tag: `m${i}` }, "armed", 15_000);
    await waitUntil(() => runtime.eventStats().waiters === 10_000, 15_000, "10,000 waiters");
    expect(runtime.eventStats().channels).toBe(1);
    const refused = await a.send({ op: "on", name: "one", id: "more", ms: 1000 }, "error");
    expect(refused.error).toBe("RangeError");
    expect(refused.message).toMatch(/events.on: this module already waits for 10000 events \(limit 10000\)/);
    for (let i = 0; i < 5; i++) expect((await a.next(`m${i}`, "timeouts", 20_000)).timeouts).toBe(2000);
    await waitUntil(() => runtime.eventStats().waiters === 0 || undefined, 5000, "an empty waiter map");
    expect(runtime.eventStats()).toEqual({ waiters: 0, channels: 0 });
  }, 60_000);

  it("bounds what one project keeps with retainMs: past 10,000 retained events the next emit rejects with a RangeError", async () => {
    const FLOOD = `
      const events = require("net/v4/events");
      exports.onMessage = async () => {
        let kept = 0;
        try {
          for (let round = 0; round < 11; round++) {
            await Promise.all(Array.from({ length: 1000 }, (_, i) => events.emit("flood", round * 1000 + i, "x", { retainMs: 60000 })));
            kept += 1000;
          }
          return "kept all " + kept;
        } catch (e) {
          return e.name + " after " + kept + ": " + e.message;
        }
      };`;
    const { url } = await startProject({ "p/flood.js": FLOOD, "p/flood.websocket": descriptor("flood", "p/flood") });
    const c = await TestClient.connect(url("flood"));
    expect(String(await c.ask("go", 30_000))).toMatch(
      /^RangeError after 10000: events\.emit: project "p" already keeps 10000 retained events \(\d+ bytes\) from this server; at most 10000 events/,
    );
  }, 40_000);

  it("keeps an event emitted with { retainMs } for an on() that comes later; without it the event is gone", async () => {
    const { url } = await startProject(files);
    const a = await Events.connect(url("ev"));
    await a.send({ op: "emit", name: "result", id: 9, args: ["kept", { retainMs: 5000 }] }, "emitted");
    await a.send({ op: "emit", name: "result", id: 10, args: ["not kept"] }, "emitted");
    await a.send({ op: "on", name: "result", id: 9, ms: 2000, tag: "late" }, "armed");
    expect((await a.next("late", "args")).args).toEqual(["kept"]);
    await a.send({ op: "on", name: "result", id: 10, ms: 200, tag: "lost" }, "armed");
    expect((await a.next("lost", "error")).error).toBe("TimeoutError");
    // An object with other keys besides retainMs is an argument like any other.
    await a.send({ op: "on", name: "opt", id: 1, ms: 2000, tag: "o" }, "armed");
    await a.send({ op: "emit", name: "opt", id: 1, args: [{ retainMs: 5, also: 1 }] }, "emitted");
    expect((await a.next("o", "args")).args).toEqual([{ retainMs: 5, also: 1 }]);
  });

  it("refuses bad input with errors that say what to do", async () => {
    const { url } = await startProject(files);
    const a = await Events.connect(url("ev"));
    expect(await a.send({ op: "big" }, "error")).toMatchObject({ error: "RangeError", message: expect.stringMatching(/events.emit: the args are 700\d\d characters of JSON \(limit 65536\)/) });
    expect(await a.send({ op: "emit", name: "", id: 1, args: [] }, "error")).toMatchObject({ error: "TypeError", message: "events.emit: name must be a non-empty string" });
    expect(await a.send({ op: "emit", name: "n", id: { no: 1 }, args: [] }, "error")).toMatchObject({ error: "TypeError", message: "events.emit: id must be a string or a number" });
    expect(await a.send({ op: "emit", name: "n", id: 1, args: [{ retainMs: -1 }] }, "error")).toMatchObject({ error: "RangeError", message: expect.stringMatching(/retainMs must be a number of milliseconds/) });
    expect(await a.send({ op: "on", name: "n", id: 1, ms: 1e12 }, "error")).toMatchObject({ error: "RangeError", message: expect.stringMatching(/events.on: timeoutMs must be a number of milliseconds from 1 to 86400000/) });
  });

  it("keeps projects apart: an emit of one project resolves no waiter of another", async () => {
    const { url } = await startProject(files);
    const p = await Events.connect(url("ev"));
    const q = await Events.connect(url("q-ev"));
    await p.send({ op: "on", name: "job", id: 1, ms: 400, tag: "p" }, "armed");
    await q.send({ op: "emit", name: "job", id: 1, args: ["from q", { retainMs: 5000 }] }, "emitted");
    expect((await p.next("p", "error")).error).toBe("TimeoutError");
  });

  it("runs onready at once on the memory engine, and a late callback once", async () => {
    const { url } = await startProject(files);
    const a = await Events.connect(url("ev"));
    await waitUntil(async () => ((await a.send({ op: "ready" }, "readyRuns")).readyRuns === 1 ? true : undefined), 5000, "onready");
    expect(await a.send({ op: "late-ready" }, "lateReady")).toMatchObject({ lateReady: true, readyRuns: 1 });
    expect((await a.send({ op: "ready" }, "readyRuns")).readyRuns).toBe(1);
  });

  it("works for a script that replaced Promise.prototype.then and .constructor, and tried to rename TimeoutError", async () => {
    const hostile = `
      const events = require("net/v4/events");
      Promise.prototype.then = function () { throw new Error("hijacked then"); };
      Object.defineProperty(Promise.prototype, "constructor", { value: function Fake() {} });
      try { events.TimeoutError.prototype.name = "X"; } catch (e) {}
      // Sent, not returned: returning a Promise would call the replaced then.
      const run = async (m, connection) => {
        if (m === "wait") {
          try { await events.on("h", 1, 100); } catch (e) { connection.send(e.name + " " + (e instanceof events.TimeoutError)); }
        }
        if (m === "emit") { await events.emit("h", 2, "ok", { retainMs: 1000 }); const [x] = await events.on("h", 2, 1000); connection.send(x); }
      };
      exports.onMessage = (m, connection) => { run(m, connection); };`;
    const { url } = await startProject({ "h/h.js": hostile, "h/h.websocket": descriptor("h", "h/h") });
    const c = await TestClient.connect(url("h"));
    expect(await c.ask("wait")).toBe("TimeoutError true");
    expect(await c.ask("emit")).toBe("ok");
  });

  it("rejects the waiters of a module that reloads and forgets them", async () => {
    const { url, runtime, project } = await startProject(files);
    const a = await Events.connect(url("ev"));
    await a.send({ op: "on", name: "job", id: 1, ms: 60_000, tag: "w" }, "armed");
    await a.send({ op: "on", name: "job", id: 2, ms: 60_000, tag: "w2" }, "armed");
    expect(runtime.eventStats()).toEqual({ waiters: 2, channels: 1 });
    const reloaded = nextReload(runtime, (e) => e.file === "p/ev.js" && e.ok);
    await project.write("p/ev.js", HANDLER + "\n// changed\n");
    await reloaded;
    await waitUntil(() => runtime.eventStats().waiters === 0 || undefined, 5000, "the reloaded module's waiters to go");
    expect(runtime.eventStats()).toEqual({ waiters: 0, channels: 0 });
    // The new code serves, and its onready ran.
    await waitUntil(async () => ((await a.send({ op: "ready" }, "readyRuns")).readyRuns === 1 ? true : undefined), 5000, "onready of the new code");
  });
});
