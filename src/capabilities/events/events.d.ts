/**
 * net/v4/events — server events across the nodes of a project (the API of the
 * `server-events` package). A handler waits for an event by name and id, with
 * a timeout; a handler on any node of the project emits it. The waiting is
 * kept by the server, one engine channel per project: a timeout rejects only
 * its own waiter, and nothing is left behind.
 *
 * Delivery is at-most-once (as Redis pub/sub is): an event emitted before
 * anyone waits is lost unless it was emitted with `{ retainMs }`.
 *
 * In a project the operator runs with `--server-events-compat <project>`,
 * emit and on speak the `server-events` package's wire format instead, so
 * plain Node workers using that package on the same Redis and these scripts
 * hear each other: an event (name, id) is the Redis channel "<name>:<id>"
 * carrying JSON `[name, id, ...args]`.
 *
 * @example
 * const events = require("net/v4/events");
 * exports.onMessage = async (message, connection) => {
 *   const [result] = await events.on("job done", message, 30000); // a worker emits it
 *   return JSON.stringify(result);
 * };
 */
declare module "net/v4/events" {
  /** What an event carries: JSON values. */
  type Json = any;

  /**
   * Sends the event (name, id) with `args` to every waiter of it on every node
   * of this project; resolves once the engine took it. Ids are compared as
   * text: 7 and "7" are the same event. The args are sent as JSON (at most
   * 65,536 characters). A last argument that is an object whose only own key
   * is `retainMs` is the options, not an arg: the args are then also kept for
   * that many ms (at most a day), and an `on()` that starts later resolves
   * with them.
   *
   * With `--server-events-compat` for this project it PUBLISHes JSON
   * `[name, id, ...args]` on the channel "<name>:<id>", the id as given (a
   * number stays a number), as a server-events worker does; a name whose
   * channel starts with "aerostat:" is refused with a TypeError.
   * @example
   * await events.emit("pi event", 314, "arg1", 1, { type: "object" });
   * await events.emit("job", 7, "y"); // compatibility mode: PUBLISH job:7 '["job",7,"y"]'
   * await events.emit("job done", jobId, result, { retainMs: 60000 }); // kept for a late on()
   */
  export function emit(name: string, id: string | number, ...args: Json[]): Promise<void>;

  /**
   * Waits for the event (name, id) and resolves with its args. Rejects with a
   * TimeoutError after `timeoutMs` (default: getTimeout()); a RangeError when
   * the module already waits for 10,000 events; Error("aerostat: module
   * reloaded") for waiters of code that was replaced.
   *
   * With `--server-events-compat` for this project it SUBSCRIBEs the channel
   * "<name>:<id>" (once per node, however many wait; UNSUBSCRIBEd when the
   * last waiter settles) and resolves with the args of the first frame
   * `[name, id, ...args]` published there, by a server-events worker or a script.
   * @example
   * const [status, detail] = await events.on("job", 7); // a worker's emit("job", 7, "done", { rows: 3 })
   * const [a, b, c] = await events.on("pi event", 314); // ["arg1", 1, { type: "object" }]
   * events.on("ev", 101, 5000).catch((e) => { if (e instanceof events.TimeoutError) console.log("no answer"); });
   */
  export function on(name: string, id: string | number, timeoutMs?: number): Promise<Json[]>;

  /**
   * The timeout on() uses when it is given none: 10000 ms unless setTimeout() changed it.
   * @example
   * console.log(events.getTimeout()); // 10000
   */
  export function getTimeout(): number;

  /**
   * Sets this module's default timeout (1 ms to a day), as upstream's `instance.timeout = ms`.
   * @example
   * events.setTimeout(1000); // on() without a timeout now waits one second
   */
  export function setTimeout(ms: number): void;

  /**
   * Runs `fn` when the engine is connected: soon after the call when it is now
   * (always, on the memory engine), and again after every reconnect.
   * @example
   * events.onready(() => console.log("events are ready"));
   */
  export function onready(fn: () => void): void;

  /**
   * Runs `fn` when a connection of the engine fails: store "inputStore" is
   * the one emits go through, "outputStore" the one waiters hear through.
   * Events emitted while the engine is away may be lost.
   * @example
   * events.onerror((store, error) => console.warn(store, error));
   */
  export function onerror(fn: (store: "inputStore" | "outputStore", error: string) => void): void;

  /**
   * What on() rejects with when its time is up: name "TimeoutError", message "Timeout exceeded!".
   * @example
   * try { await events.on("wont", "happen", 200); } catch (e) { if (e instanceof events.TimeoutError) return "timed out"; }
   */
  export class TimeoutError extends Error {
    /**
     * Always "TimeoutError".
     * @example
     * e.name === "TimeoutError"
     */
    readonly name: "TimeoutError";
  }
}

/** The same module by its short name. */
declare module "net/events" {
  export * from "net/v4/events";
}
