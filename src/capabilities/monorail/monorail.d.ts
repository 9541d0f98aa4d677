/**
 * net/v4/monorail — the resources of RackHD MonoRail endpoints, whose
 * descriptor says `"protocol": "monorail"`. Clients connect to
 * `/websockets/v4/service/<endpoint>[/<resource>]` (the extra segment is the
 * default resource of frames that name none) and send JSON frames:
 * `{"handler": "query" | "all" | "get" | "watch" | "stop" | "init", "resource": "nodes", "params": {...}}`.
 * The host keeps each connection's watchers, so a handler reload keeps them;
 * it asks the functions registered here for answers, each within the
 * endpoint's `monorail.hookTimeoutMs` (default 5000 ms). What a function
 * throws reaches the client as `{"handler": "error", "params": {"name", "message"}}`.
 *
 * Register resources in the module's top-level code: a reload runs it again.
 * The connection (`c`, the same object onOpen gets) goes last.
 *
 * @example
 * const monorail = require("net/v4/monorail");
 * const nodes = new Map([["1", { id: "1", name: "rack-a" }]]);
 * monorail.resource("nodes", {
 *   query: (params) => [...nodes.values()].filter((n) => !params.name || n.name === params.name),
 *   get: (params) => nodes.get(String(params.id)) ?? null,
 *   watch: (params, c) => { if (!c.data.user) throw new Error("sign in first"); },
 *   filter: (params, change) => !params.id || change.data?.id === params.id,
 * });
 * exports.onMessage = () => {};
 * // elsewhere (a timer, a listener, another endpoint's handler):
 * monorail.change("nodes", "updated", "1", { id: "1", name: "rack-b" });
 */
declare module "net/v4/monorail" {
  import type { Connection } from "net/v4/websockets";

  /** What travels in frames: JSON values. */
  type Json = any;

  /** A change as filter() sees it: the frame's handler, id and data. */
  export interface WatchedChange {
    /**
     * "item" or "remove" ("list" changes skip filters).
     * @example
     * filter: (params, change) => change.handler === "remove" || change.data.rack === params.rack
     */
    readonly handler: "item" | "remove";
    /**
     * The change's id: for change() of "created"/"updated", `[event, id]`.
     * @example
     * filter: (params, change) => Array.isArray(change.id) ? change.id[1] === params.id : change.id === params.id
     */
    readonly id: Json;
    /**
     * The record, or null.
     * @example
     * filter: (params, change) => change.data?.rack === params.rack
     */
    readonly data: Json;
  }

  /** The functions of a resource; each is optional, and may return a Promise (but filter). */
  export interface ResourceDef {
    /**
     * Answers `query`: the items matching `params`, sent as `{"handler": "list", "items": [...]}`.
     * Without it, query answers what all() does.
     * @example
     * query: (params) => db.nodes.filter((n) => n.rack === params.rack)
     */
    query?(params: Json, c: Connection): Json[] | Promise<Json[]>;
    /**
     * Answers `all`: every item. Without it, all answers query({}).
     * @example
     * all: () => [...nodes.values()]
     */
    all?(c: Connection): Json[] | Promise<Json[]>;
    /**
     * Answers `get`: the record (sent as `{"handler": "item", "id", "data"}`) or null (sent as `{"handler": "remove", "id"}`).
     * @example
     * get: (params) => nodes.get(String(params.id)) ?? null
     */
    get?(params: Json, c: Connection): Json | null | Promise<Json | null>;
    /**
     * Runs before a watcher is registered: throw to refuse (the client gets an
     * error frame and no watcher); return an array to send it first as an
     * initial `list`. Without it every watch is accepted.
     * @example
     * watch: (params, c) => { if (!c.data.user) throw new Error("sign in first"); return [...nodes.values()]; }
     */
    watch?(params: Json, c: Connection): Json[] | void | Promise<Json[] | void>;
    /**
     * Whether an item or remove change goes to a watcher with these params
     * (synchronous; the host asks once per change for all watchers of this
     * node, with each distinct params). Without it every change goes to every
     * watcher of the resource. A filter that throws keeps the change back.
     * @example
     * filter: (params, change) => !params.id || change.data?.id === params.id
     */
    filter?(params: Json, change: WatchedChange): boolean;
  }

  /**
   * Registers (or replaces) resource `name`. Call it in top-level code: a
   * reload runs it again. The functions run as methods of `def` (`this` is
   * `def`, so it may hold helpers and data too). "mq" is the built-in
   * RabbitMQ resource and cannot be registered.
   * @example
   * monorail.resource("catalogs", { all: () => catalogs, get: (p) => catalogs.find((c) => c.id === p.id) ?? null });
   */
  export function resource(name: string, def: ResourceDef): void;

  /**
   * Sends `{"handler": "item", "resource", "id", "data"}` to every watcher of
   * `resource` on every node (those whose filter lets it through).
   * @example
   * monorail.item("nodes", "42", { id: "42", name: "rack-a" });
   */
  export function item(resource: string, id: Json, data: Json): void;

  /**
   * Sends `{"handler": "remove", "resource", "id", "data"}` to every watcher of `resource` on every node.
   * @example
   * monorail.remove("nodes", "42");
   */
  export function remove(resource: string, id: Json, data?: Json): void;

  /**
   * Sends `{"handler": "list", "resource", "items"}` to every watcher of `resource` on every node (no filter is asked).
   * @example
   * monorail.list("nodes", [...nodes.values()]);
   */
  export function list(resource: string, items: Json[]): void;

  /**
   * A database change, shaped as Waterline's: "created"/"updated" (or any
   * other event) → item with id `[event, id]` and the record as data;
   * "destroyed" → remove with `id` and the record.
   * @example
   * monorail.change("nodes", "created", "42", { id: "42", name: "rack-a" }); // item, id ["created", "42"]
   * monorail.change("nodes", "destroyed", "42", { id: "42" });               // remove, id "42"
   */
  export function change(resource: string, event: "created" | "updated" | "destroyed" | string, id: Json, record: Json): void;
}
