import { describe, expect, it } from "vitest";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { nextReload, startProject, waitUntil } from "../helpers/runtime.js";

const probe = (body: string) => ({
  "p/h.js": `exports.onMessage = (m) => { try { return String(${body}); } catch (e) { return "threw " + e.name + ": " + e.message; } };`,
  "p/h.websocket": descriptor("h", "p/h"),
});

describe("the sandbox", () => {
  it("has no process, no host require and no way back through constructors", async () => {
    const { url } = await startProject({
      // Names computed at run time: a literal require("fs") is refused at load already (imports.test.ts).
      "p/h.js": `
        exports.onMessage = async (m) => {
          const tries = {
            process: () => typeof process,
            fs: () => require(String("fs")),
            child: () => require(String("child_process")),
            ctor: () => this.constructor.constructor("return typeof process")(),
            globalProcess: () => typeof globalThis.process,
          };
          if (m === "import") { try { await import(String("fs")); return "imported"; } catch (e) { return "threw " + e.message; } }
          try { return String(tries[m]()); } catch (e) { return "threw " + e.name + ": " + e.message; }
        };`,
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const c = await TestClient.connect(url("h"));
    expect(await c.ask("process")).toBe("undefined");
    expect(await c.ask("globalProcess")).toBe("undefined");
    expect(await c.ask("ctor")).toBe("undefined");
    expect(await c.ask("fs")).toMatch(/^threw TypeError: Cannot require "fs": handler scripts can only require the runtime modules \(net\/v4\/websockets, net\/websockets, sdk\/net, sdk\/http, http\/v4\/request, http\/v4\/response, aerostat\/web, core\/v4\/configurations, core\/configurations, sdk\/core, net\/v4\/events, net\/events, net\/v4\/channels, net\/channels, net\/v4\/monorail, net\/monorail, net\/v4\/evqueue, net\/evqueue\)/);
    expect(await c.ask("child")).toMatch(/^threw TypeError: Cannot require "child_process"/);
    expect(String(await c.ask("import"))).toMatch(/^threw /);
  });

  it("stops an event at the CPU limit, tells onError, keeps the connection and serves others", async () => {
    const { url, logs } = await startProject(
      {
        "p/h.js": `
          exports.onMessage = (m) => { if (m === "spin") { for (;;) {} } return "ok:" + m; };
          exports.onError = (error, c) => c.send("onError: " + error);`,
        "p/h.websocket": descriptor("h", "p/h"),
      },
      { cpuLimitMs: 200 },
    );
    const c = await TestClient.connect(url("h"));
    const other = await TestClient.connect(url("h"));
    c.send("spin");
    c.send("after");
    expect(await other.ask("meanwhile")).toBe("ok:meanwhile");
    await c.received(2);
    expect(c.messages).toEqual(["onError: Error: onMessage ran past the CPU limit of 200 ms and was stopped", "ok:after"]);
    expect(c.isOpen).toBe(true);
    await logs.waitFor((l) => l.level === 50 && /CPU limit/.test(l.msg) && l.handler === "p/h.js");
  });

  it("runs setTimeout and setInterval, and clearInterval stops an interval", async () => {
    const { url } = await startProject({
      "p/h.js": `
        exports.onMessage = (m, c) => {
          if (m === "timeout") setTimeout((x) => c.send("timeout fired " + x), 20, "arg");
          if (m === "interval") {
            let n = 0;
            const id = setInterval(() => {
              n++;
              c.send("tick " + n);
              if (n === 3) {
                clearInterval(id);
                // Ten periods later: a tick that still fired would arrive first, and count.
                setTimeout(() => c.send("after " + n + " ticks"), 100);
              }
            }, 10);
          }
        };`,
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const c = await TestClient.connect(url("h"));
    expect(await c.ask("timeout")).toBe("timeout fired arg");
    c.send("interval");
    await c.received(5);
    expect(c.messages.slice(1)).toEqual(["tick 1", "tick 2", "tick 3", "after 3 ticks"]);
  });

  it("bounds the number of timers a module may hold", async () => {
    const { url } = await startProject(
      probe("(() => { for (let i = 0; i < 100; i++) setTimeout(() => {}, 60000); return 'made'; })()"),
      { maxTimers: 50 },
    );
    const c = await TestClient.connect(url("h"));
    expect(await c.ask("x")).toBe("threw RangeError: Too many timers (limit 50). Clear timers you no longer need.");
  });

  it("clears a module's timers when it is reloaded", async () => {
    const { url, runtime, project } = await startProject({
      "p/h.js": `exports.onMessage = (m, c) => { setInterval(() => c.send("old tick"), 20); return "started"; };`,
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const c = await TestClient.connect(url("h"));
    expect(await c.ask("go")).toBe("started");
    await waitUntil(() => c.messages.length >= 3);
    const reloaded = nextReload(runtime, (e) => e.kind === "handler" && e.ok);
    // The new code's own timer fires ten old periods after its first event: an
    // old tick still firing would land before it.
    await project.write("p/h.js", `exports.onMessage = (m, c) => { setTimeout(() => c.send("new timer"), 200); return "new code"; };`);
    await reloaded;
    // An old tick sent just before the swap may still be on the wire: the answer is the first message that is not one.
    c.send("x");
    await waitUntil(() => c.messages.includes("new code"));
    const from = c.messages.indexOf("new code");
    await c.received(from + 2);
    expect(c.messages.slice(from)).toEqual(["new code", "new timer"]);
    expect(c.messages.slice(1, from).every((m) => m === "old tick")).toBe(true);
  });

  it("keeps every answer of a batch when the handler leaves a rejected promise unhandled, and reports it", async () => {
    const { url, logs } = await startProject({
      "p/h.js": `exports.onMessage = (m) => {
  Promise.reject(new Error("nobody caught " + m));
  return "still answered " + m;
};`,
      "p/h.websocket": descriptor("h", "p/h"),
    });
    const c = await TestClient.connect(url("h"));
    expect(await c.ask("one")).toBe("still answered one");
    for (const m of ["a", "b", "c"]) c.send(m);
    await c.received(4);
    expect(c.messages.slice(1)).toEqual(["still answered a", "still answered b", "still answered c"]);
    const fault = await logs.waitFor((l) => l.msg === "p/h.js:2:18: a promise nobody handled threw Error: nobody caught one");
    expect(fault).toMatchObject({ handler: "p/h.js", at: "p/h.js:2:18" });
  });

  it("sends console output to the host log, tagged with the handler and level", async () => {
    const { url, logs } = await startProject({
      "p/h.js": `exports.onMessage = (m) => { console.info("info", { m }); console.error(new Error("bad " + m)); console.debug(1, [2]); };`,
      "p/h.websocket": descriptor("h", "p/h"),
    });
    (await TestClient.connect(url("h"))).send("x");
    const info = await logs.waitFor((l) => l.console === "info");
    expect(info).toMatchObject({ level: 30, handler: "p/h.js", msg: 'info {"m":"x"}' });
    const error = await logs.waitFor((l) => l.console === "error");
    expect(error.level).toBe(50);
    expect(error.msg).toMatch(/^Error: bad x\n\s+at .*p\/h\.js:1:/);
    expect((await logs.waitFor((l) => l.console === "debug")).msg).toBe("1 [2]");
  });

  it("keeps scripts' global changes inside their own module", async () => {
    const { url } = await startProject({
      "p/a.js": `globalThis.shared = "from a"; Array.prototype.evil = 1; exports.onMessage = () => String(globalThis.shared);`,
      "p/a.websocket": descriptor("a", "p/a"),
      "p/b.js": `exports.onMessage = () => String(globalThis.shared) + " " + String([].evil);`,
      "p/b.websocket": descriptor("b", "p/b"),
    });
    expect(await (await TestClient.connect(url("a"))).ask("x")).toBe("from a");
    expect(await (await TestClient.connect(url("b"))).ask("x")).toBe("undefined undefined");
  });

  it("gives a script no way to find or broadcast to sessions of another project", async () => {
    const { url } = await startProject({
      "one/h.js": `const ws = require("net/v4/websockets"); exports.onMessage = (m, c) => { ws.broadcast("intrusion", { except: [c] }); ws.broadcast("intrusion", { endpoint: "two" }); return String(ws.getSession(m)); };`,
      "one/h.websocket": descriptor("one", "one/h"),
      "two/h.js": `exports.onOpen = (c) => c.send("you are " + c.id); exports.onMessage = (m) => "two heard " + m;`,
      "two/h.websocket": descriptor("two", "two/h"),
    });
    const victim = await TestClient.connect(url("two"));
    const id = String((await victim.received(1))[0]).slice("you are ".length);
    expect(await (await TestClient.connect(url("one"))).ask(id)).toBe("null");
    // Anything the intrusion had sent to the victim was written before this reply.
    expect(await victim.ask("marker")).toBe("two heard marker");
    expect(victim.messages).toEqual([`you are ${id}`, "two heard marker"]);
  });
});
