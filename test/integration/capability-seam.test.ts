import { describe, expect, it } from "vitest";
import { HookError, type Capability } from "../../src/index.js";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { nextReload, startProject, waitUntil } from "../helpers/runtime.js";

/**
 * A capability added from outside the built-in list, as a later one would be:
 * a deferred op settles a Promise in the script (a host promise), and another
 * asks a hook of the script and waits for its answer (request/reply).
 */
/** Why questions the probe asked failed, as the host saw it. */
const askFailures: string[] = [];
const askErrors: unknown[] = [];

const testCapability: Capability = {
  name: "probe",
  module: "probe/v1",
  events: {},
  ops: [
    {
      mode: "deferred",
      name: "probe.later",
      run: (_ctx, args) => {
        const [ms, value, fail] = args as [number, unknown, boolean];
        return new Promise((resolve, reject) =>
          setTimeout(() => (fail ? reject(Object.assign(new RangeError(String(value)), { code: "E_PROBE", stackless: true })) : resolve(value)), ms),
        );
      },
    },
    {
      mode: "deferred",
      name: "probe.ask",
      run: ({ module }, args) => {
        const [hook, hookArgs, timeoutMs] = args as [string, unknown[], number];
        return module.request(hook, hookArgs, timeoutMs).catch((error: Error & Record<string, unknown>) => {
          askFailures.push(error.message);
          askErrors.push(error);
          const { name, message, ...own } = error;
          throw Object.assign(new Error(message), { name, ...own, sawStack: String(error.stack ?? "").includes("h.js") });
        });
      },
    },
  ],
  guestSource: `function probe(exports, kernel) {
    exports.later = (ms, value, fail) => kernel.promise("probe.later", [ms, value, !!fail]);
    exports.ask = (hook, args, timeoutMs) => kernel.promise("probe.ask", [hook, args, timeoutMs || 1000]);
  }`,
};

const HANDLER = `
  const probe = require("probe/v1");
  const show = (e) => JSON.stringify({ name: e.name, message: e.message, code: e.code, sawStack: e.sawStack, stack: "stack" in e && /h\\.js/.test(String(e.stack)) ? "leaked" : "kept" });
  exports.onMessage = async (m) => {
    const [cmd, arg] = m.split(" ");
    try {
      if (cmd === "later") return "later:" + (await probe.later(20, { n: Number(arg) }))?.n;
      if (cmd === "fail") { await probe.later(5, "nope", true); return "resolved?"; }
      if (cmd === "ask") return "answer:" + JSON.stringify(await probe.ask(arg, [2, 3]));
      if (cmd === "slow") return "answer:" + JSON.stringify(await probe.ask("neverAnswers", [], 200));
    } catch (e) {
      return "threw:" + show(e);
    }
  };
  exports.sum = (a, b) => a + b;
  exports.later = async (a, b) => { await probe.later(5, null); return a * b; };
  exports.refuse = () => { const e = new TypeError("not today"); e.code = "E_REFUSED"; e.detail = { nested: true }; throw e; };
  exports.neverAnswers = () => new Promise(() => {});
  exports.forged = () => {
    Object.defineProperty(Object.prototype, "toJSON", { configurable: true, value() { delete Object.prototype.toJSON; return JSON.parse('{"__proto__": null, "name": "X", "message": "m"}'); } });
    throw new Error("plain");
  };
`;

async function start() {
  return startProject({ "p/h.js": HANDLER, "p/h.websocket": descriptor("h", "p/h") }, { capabilities: [testCapability] });
}

describe("the capability seam", () => {
  it("settles a host promise in the script, inside a timed call, with the host's value", async () => {
    const { url } = await start();
    const c = await TestClient.connect(url("h"));
    expect(await c.ask("later 41")).toBe("later:41");
  });

  it("rejects a host promise with the error's name, message and own fields", async () => {
    const { url } = await start();
    const c = await TestClient.connect(url("h"));
    expect(JSON.parse(String(await c.ask("fail")).replace(/^threw:/, ""))).toEqual({ name: "RangeError", message: "nope", code: "E_PROBE", stack: "kept" });
  });

  it("asks a hook and gets its return value, or its Promise's value", async () => {
    const { url } = await start();
    const c = await TestClient.connect(url("h"));
    expect(await c.ask("ask sum")).toBe("answer:5");
    expect(await c.ask("ask later")).toBe("answer:6");
  });

  it("answers a hook's throw with its name, message and own JSON-safe fields, never its stack", async () => {
    const { url } = await start();
    const c = await TestClient.connect(url("h"));
    const thrown = JSON.parse(String(await c.ask("ask refuse")).replace(/^threw:/, ""));
    expect(thrown).toEqual({ name: "TypeError", message: "not today", code: "E_REFUSED", sawStack: false, stack: "kept" });
  });

  it("hands the host a HookError it can read, whatever the script puts on Object.prototype", async () => {
    const { url } = await start();
    const c = await TestClient.connect(url("h"));
    askErrors.length = 0;
    await c.ask("ask forged");
    const error = askErrors[0] as Error;
    expect(error).toBeInstanceOf(HookError);
    expect(String(error)).toBe("Error: plain");
  });

  it("says which hook is missing, and times out a hook that never answers", async () => {
    const { url } = await start();
    const c = await TestClient.connect(url("h"));
    expect(JSON.parse(String(await c.ask("ask nothing")).replace(/^threw:/, ""))).toMatchObject({
      name: "HookMissingError",
      message: "the handler p/h.js has no nothing function",
    });
    expect(JSON.parse(String(await c.ask("slow")).replace(/^threw:/, ""))).toMatchObject({
      name: "TimeoutError",
      message: "neverAnswers did not answer within 200 ms",
    });
  });

  it("rejects questions still waiting when the module reloads, with a clear error", async () => {
    const { url, runtime, project } = await start();
    const c = await TestClient.connect(url("h"));
    c.send("ask neverAnswers");
    const reloaded = nextReload(runtime, (e) => e.file === "p/h.js" && e.ok);
    await project.write("p/h.js", HANDLER + "\n// v2\n");
    await reloaded;
    await waitUntil(() => askFailures.includes("aerostat: the handler was reloaded; neverAnswers was not answered"), 5000, "the waiting question to fail");
    // The asking code died with the old context; a new question to the new code is answered.
    expect(await c.ask("ask sum")).toBe("answer:5");
  });
});
