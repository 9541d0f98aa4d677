import type { RuntimeInit } from "../../src/index.js";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil, type TestRuntime } from "../helpers/runtime.js";

/**
 * A project whose handler makes an evQueue cluster at its top level and does
 * what a test client asks of it, answering with JSON: `{ ok, value }` or
 * `{ ok: false, error: { name, message, code, node, sent, isTypeError, isRangeError } }`.
 * Its hooks log each event and state change as "EVENT <json>" / "STATE <json>",
 * and each call "CALLED <op>" once it went out.
 */
export function driverHandler(nodes: string[] | null, options: Record<string, unknown> = {}): string {
  const make = nodes === null ? "null" : `createCluster(${JSON.stringify(nodes)}, ${JSON.stringify(options)})`;
  return `
    const evqueue = require("net/v4/evqueue");
    const { createCluster } = evqueue;
    let cluster = ${make};
    exports.onEvqueueEvent = (node, info) => console.log("EVENT " + JSON.stringify({ node, info }));
    exports.onEvqueueState = (change) => console.log("STATE " + JSON.stringify(change));
    const describe = (e) => ({ name: e.name, message: e.message, code: e.code, node: e.node, sent: e.sent, isTypeError: e instanceof TypeError, isRangeError: e instanceof RangeError });
    exports.onMessage = async (message, connection) => {
      const { op, args = [] } = JSON.parse(message);
      try {
        let value;
        if (op === "create") cluster = createCluster(...args);
        else if (op === "bomb") { const hoard = []; for (;;) hoard.push(new Array(100000).fill(op)); }
        else {
          const pending = cluster[op](...args);
          // Logged after the call went out: a test that sees this line knows the host has the call.
          console.log("CALLED " + op);
          value = await pending;
        }
        connection.send(JSON.stringify({ ok: true, value: value === undefined ? "(undefined)" : value }));
      } catch (e) {
        connection.send(JSON.stringify({ ok: false, error: describe(e) }));
      }
    };
  `;
}

export interface Answer {
  ok: boolean;
  value?: unknown;
  error?: { name: string; message: string; code?: string; node?: string; sent?: boolean; isTypeError: boolean; isRangeError: boolean };
}

export interface Driver {
  t: TestRuntime;
  client: TestClient;
  ask(op: string, ...args: unknown[]): Promise<Answer>;
  /** What the hooks logged so far ("EVENT" or "STATE" lines), parsed. */
  logged(kind: "EVENT" | "STATE"): Record<string, unknown>[];
  /** Resolves once the handler has started `op` this many times in all. */
  called(op: string, times?: number): Promise<void>;
}

/** Starts the project with the driver handler and connects a client to it. */
export async function startDriver(
  nodes: string[] | null,
  options: Record<string, unknown> = {},
  init: Partial<RuntimeInit> = {},
  files: Record<string, string> = {},
): Promise<Driver> {
  const t = await startProject({ "p/drive.js": driverHandler(nodes, options), "p/drive.websocket": descriptor("drive", "p/drive"), ...files }, init);
  const client = await TestClient.connect(t.url("drive"));
  const ask = async (op: string, ...args: unknown[]): Promise<Answer> => JSON.parse(String(await client.ask(JSON.stringify({ op, args }), 15_000))) as Answer;
  const logged = (kind: "EVENT" | "STATE") =>
    t.logs.lines.filter((l) => typeof l.msg === "string" && l.msg.startsWith(kind + " ")).map((l) => JSON.parse(l.msg.slice(kind.length + 1)) as Record<string, unknown>);
  const called = async (op: string, times = 1) => {
    await waitUntil(() => t.logs.lines.filter((l) => l.msg === `CALLED ${op}`).length >= times, 5000, `the handler's call of ${op}`);
  };
  return { t, client, ask, logged, called };
}

/** Waits until the driver's cluster says every node is in `state`. */
export async function statesBecome(d: Driver, state: string, timeoutMs = 10_000): Promise<void> {
  await waitUntil(async () => {
    const a = await d.ask("GetStates");
    return Array.isArray(a.value) && a.value.every((s) => s === state);
  }, timeoutMs, `every node ${state}`);
}
