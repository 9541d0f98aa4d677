import { readdirSync, readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { refusal, TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil, type TestRuntime } from "../helpers/runtime.js";

/**
 * The escape corpus: every script in escape/ attacks the host from inside the
 * sandbox. Each must fail inside the sandbox (or succeed only within its own
 * context), the host must log it, and a healthy endpoint in another project
 * must keep answering.
 */
const corpus = path.join(import.meta.dirname, "escape");

interface Outcome {
  /** What the attacking connection receives, in order. */
  replies?: (string | RegExp)[];
  /** A warn/error line the host logs for the attacking handler. */
  log?: RegExp;
  /** Refused at load (a literal import of a Node built-in): this error is logged and handshakes get 503. */
  refusedAtLoad?: RegExp;
  /** The attacking connection is closed with this code. */
  closed?: { code: number; reason: string };
}

const outcomes: Record<string, Outcome> = {
  "process-exit": { log: /onMessage threw ReferenceError: process is not defined/ },
  // Names written out are refused when the module loads; names computed at run time, by the guest's require (sandbox.test.ts).
  "require-fs": { refusedAtLoad: /:2:35: cannot import "fs": Node built-ins do not exist in the sandbox/ },
  "require-child-process": { refusedAtLoad: /:2:35: cannot import "child_process": Node built-ins do not exist in the sandbox/ },
  "dynamic-import": { refusedAtLoad: /:2:34: cannot import "node:fs": Node built-ins do not exist in the sandbox/ },
  "function-constructor": { log: /onMessage threw ReferenceError: process is not defined/ },
  "global-scan": { replies: ["found: nothing"] },
  "bridge-hunt": { replies: ["native: none"] },
  "pollute-api-results": { replies: ["polluted here: yes"] },
  "override-array-prototype": { replies: ["sent after Array.prototype was replaced", /^sessions: \d+$/] },
  "override-json": { replies: ["sent after JSON was replaced", "clients: 0"] },
  "override-object": { replies: ["sent after Object and Reflect were replaced", "method: onmessage"] },
  // Resizable buffers live outside the sandbox's memory limit: they are not available.
  "shrunk-resizable-buffer": { log: /onMessage threw TypeError: ArrayBuffer: resizable and growable buffers are not available/ },
  "getter-message": { log: /onMessage threw TypeError: expected a string, an ArrayBuffer or a typed array/ },
  "proxy-message": { log: /onMessage threw Error: trap ran/ },
  "thenable-reply": { log: /onMessage threw Error: then getter ran/ },
  "huge-string": { log: /onMessage threw RangeError: Too much outgoing data in one event/ },
  "deep-recursion": { log: /onMessage threw RangeError: Maximum call stack size exceeded/ },
  "million-sends": { log: /onMessage threw RangeError: Too many outgoing operations in one event \(limit 10000\)/ },
  "many-clients": { log: /onMessage threw RangeError: createWebsocket: this project already has 100 open clients/ },
  "many-timers": { log: /onMessage threw RangeError: Too many timers \(limit 1000\)/ },
  "loop-sync": { log: /onMessage ran past the CPU limit/ },
  "loop-after-await": { log: /code after an await in onMessage ran past the CPU limit/ },
  "atomics-wait": { log: /onMessage ran past the CPU limit/ },
  "loop-in-timer": { replies: ["timer set"], log: /a timer callback ran past the CPU limit/ },
  "evil-error": { log: /onMessage threw Error: \(unprintable error\)/ },
  "outbound-host": {
    log: /onMessage threw TypeError: createWebsocket: connecting to example\.com:80 is not allowed; start the server with --allow-outbound example\.com:80 \(option outboundHosts\)/,
  },
  "other-project-sessions": { replies: ["healthy sessions reachable: 0"] },
  "bad-close": {
    replies: ["refused: close(code): code must be 1000 or a number from 3000 to 4999, got 1006"],
    closed: { code: 4000, reason: "" },
  },
};

const attacks = readdirSync(corpus)
  .filter((f) => f.endsWith(".js") && !f.endsWith("-peer.js"))
  .map((f) => f.slice(0, -3));

async function attack(t: TestRuntime, name: string): Promise<void> {
  const expected = outcomes[name];
  if (!expected) throw new Error(`escape/${name}.js has no expected outcome in escape.test.ts`);
  if (expected.refusedAtLoad) {
    const re = expected.refusedAtLoad;
    await t.logs.waitFor((l) => l.code === "AEROSTAT_IMPORT_REFUSED" && l.msg.startsWith(`attack/${name}.js:`) && re.test(l.msg), 10_000);
    expect((await refusal(t.url(name))).status).toBe(503);
    return;
  }
  const c = await TestClient.connect(t.url(name));
  c.send("go");
  const replies = expected.replies ?? [];
  if (replies.length) {
    await c.received(replies.length, 10_000);
    replies.forEach((r, i) => (typeof r === "string" ? expect(c.messages[i]).toBe(r) : expect(String(c.messages[i])).toMatch(r)));
  }
  if (expected.log) {
    const re = expected.log;
    await t.logs.waitFor((l) => l.handler === `attack/${name}.js` && l.level >= 40 && re.test(l.msg), 10_000).catch(() => {
      const seen = t.logs.lines.filter((l) => l.handler === `attack/${name}.js`).map((l) => l.msg);
      throw new Error(`escape/${name}.js: no log line matching ${re}; its lines: ${JSON.stringify(seen)}`);
    });
  }
  if (expected.closed) expect(await c.closed).toEqual(expected.closed);
  c.close();
}

describe("escape corpus", () => {
  it("has at least 20 attacks, each with an expected outcome", () => {
    expect(attacks.length).toBeGreaterThanOrEqual(20);
    expect(attacks.filter((a) => !outcomes[a])).toEqual([]);
  });

  it("contains every attack in the sandbox while a healthy project keeps serving", { timeout: 120_000 }, async () => {
    const files: Record<string, string> = {
      "healthy/echo.js": "exports.onMessage = (m) => 'healthy:' + m;",
      "healthy/echo.websocket": descriptor("healthy", "healthy/echo"),
      "attack/witness.js":
        "exports.onMessage = () => [String(({}).polluted), typeof Array.prototype.push, typeof JSON.stringify, typeof process].join(',');",
      "attack/witness.websocket": descriptor("witness", "attack/witness"),
    };
    for (const f of readdirSync(corpus)) {
      files[`attack/${f}`] = readFileSync(path.join(corpus, f), "utf8");
      if (!f.endsWith("-peer.js")) files[`attack/${f.replace(/\.js$/, ".websocket")}`] = descriptor(f.slice(0, -3), `attack/${f}`);
    }
    // many-clients.js dials a listener that accepts and never answers, so its clients stay open while it
    // dials more; that address is allowed so that the client limit is what stops it.
    const held: net.Socket[] = [];
    let dropping = false;
    const silent = net.createServer((socket) => (dropping ? socket.destroy() : void held.push(socket)));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => {
      for (const socket of held) socket.destroy();
      silent.close();
    });
    const target = `127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    files["attack/many-clients.js"] = files["attack/many-clients.js"]!.replace("127.0.0.1:9", target);
    const t = await startProject(files, { cpuLimitMs: 200, memoryLimitMb: 256, outboundHosts: [target] });
    const healthy = await TestClient.connect(t.url("healthy"));
    for (const name of attacks) {
      try {
        await attack(t, name);
        if (name === "many-clients") {
          // Let its clients fail, so later attacks start with none (those still dialling are dropped as they arrive).
          dropping = true;
          for (const socket of held.splice(0)) socket.destroy();
          await waitUntil(() => t.runtime.clientList().length === 0 || undefined, 10_000, "many-clients' clients to close");
        }
        expect(await healthy.ask(name)).toBe(`healthy:${name}`);
      } catch (error) {
        throw new Error(`escape/${name}.js: ${(error as Error).message}`, { cause: error });
      }
    }
    // Nothing leaked into another context of the same isolate, nor into the host.
    expect(await (await TestClient.connect(t.url("witness"))).ask("x")).toBe("undefined,function,function,undefined");
    expect(healthy.messages.filter((m) => String(m).includes("intrusion"))).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(healthy.isOpen).toBe(true);
  });
});
