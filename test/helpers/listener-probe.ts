import { randomBytes } from "node:crypto";
import type { Runtime, ListenerStatus } from "../../src/index.js";
import { TestClient } from "./client.js";
import { waitUntil } from "./runtime.js";

/**
 * A handler that serves a listener and a probe endpoint: it keeps what its
 * listener hands it (onMessage and onError calls), and the probe endpoint
 * answers "get" with that list as JSON. A message "throw" makes onMessage
 * throw, "spin" makes it run past the CPU limit; "block" makes it and every later call wait until the probe is sent
 * "release".
 */
export const PROBE_HANDLER = `
  const got = [];
  let release;
  let gate;
  const fromListener = (x) => x !== null && typeof x === "object" && typeof x.source === "string" && typeof x.name === "string";
  exports.onMessage = async (message, second) => {
    if (!fromListener(second)) {
      if (message === "release") { release?.(); release = undefined; gate = undefined; return "released"; }
      return JSON.stringify(got);
    }
    got.push({ text: message, info: second });
    if (message === "throw") throw new TypeError("bad message: " + message);
    if (message === "spin") for (;;) {}
    if (message === "block") gate = new Promise((resolve) => (release = resolve));
    if (gate) await gate;
  };
  exports.onError = (error, listener) => { got.push({ error: String(error), info: listener }); };
`;

/** What the probe answers: one entry per onMessage or onError call. */
export interface Got {
  readonly text?: string;
  readonly error?: string;
  readonly info: Record<string, unknown> & { name: string; source: string; gap?: boolean };
}

/** A name no other test (or helper running tests at the same time) uses. */
export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString("hex")}`;
}

/** A `.listener` file's text. */
export function listenerFile(fields: Record<string, unknown>): string {
  return JSON.stringify(fields, null, 2);
}

/** Asks the probe endpoint what the handler got so far. */
export async function gotSoFar(probe: TestClient): Promise<Got[]> {
  return JSON.parse(String(await probe.ask("get"))) as Got[];
}

/** Waits until the handler got something `match` accepts; returns everything it got. */
export async function waitForGot(probe: TestClient, match: (got: Got[]) => boolean, timeoutMs = 5000, what = "the handler to get the message"): Promise<Got[]> {
  return waitUntil(async () => {
    const got = await gotSoFar(probe);
    return match(got) ? got : undefined;
  }, timeoutMs, what);
}

/** The status of listener `name`, once `match` accepts it. */
export function waitForListener(runtime: Runtime, name: string, match: (s: ListenerStatus) => boolean, timeoutMs = 5000): Promise<ListenerStatus> {
  return waitUntil(() => runtime.listenerStats().find((s) => s.name === name && match(s)), timeoutMs, `listener ${name}`);
}
