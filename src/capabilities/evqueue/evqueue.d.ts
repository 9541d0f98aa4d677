/**
 * net/v4/evqueue — evQueue's WebSocket protocol for handler scripts. An
 * endpoint whose descriptor says `"protocol": "evqueue"` speaks evQueue's XML
 * frames to browsers that use evQueue's classes (`evQueueWS`,
 * `evQueueCluster`): clients open it with the subprotocol "api" (one reply
 * per command, in order) or "events" (subscriptions whose events carry the
 * result of an API command). The host keeps the frames, the sign-in, the
 * subscriptions and the throttling; the handler exports two functions it asks:
 *
 * - `onAuth(user)` (optional): the user's password SHA1 (40 hex digits) and
 *   profile, or null for no such user. Exported: clients must sign in with
 *   evQueue's HMAC-SHA1 challenge. Not exported: anyone connects, as profile "ADMIN".
 * - `onApi(query, session, event?)`: the answer to one command, as `Node`s
 *   (or a Promise of them); throw an `ApiError` to answer status="KO". For
 *   an event, `event` says which one the command is re-run for.
 *
 * Each call has the endpoint's `evqueue.hookTimeoutMs` (default 5000 ms).
 *
 * @example
 * const { ApiError, createEvent, registerEvents } = require("net/v4/evqueue");
 * const jobs = new Map();
 * registerEvents(["JOB_DONE"]);
 * exports.onAuth = (user) => (user === "admin" ? { passwordSha1: "d033e22ae348aeb5660fc2140aec35850c4da997", profile: "ADMIN" } : null);
 * exports.onApi = (query) => {
 *   if (query.group === "jobs" && query.action === "list") return [...jobs.values()].map((j) => ({ name: "job", attributes: j }));
 *   if (query.group === "jobs" && query.action === "done") {
 *     jobs.set(query.attributes.id, { id: query.attributes.id, state: "done" });
 *     createEvent("JOB_DONE", Number(query.attributes.id));
 *     return;
 *   }
 *   throw new ApiError("UNKNOWN_COMMAND", `no ${query.group} ${query.action}`);
 * };
 */
declare module "net/v4/evqueue" {
  /**
   * An XML element, as onApi returns it and as it gets the parts of a command
   * it does not read itself. Attribute values may be numbers or booleans
   * (written as text); text and attributes are escaped on the way out.
   */
  export interface Node {
    /**
     * The element's name: letters, digits, "_", "-" and ".".
     * @example
     * return { name: "instance", attributes: { id: 12, status: "TERMINATED" } };
     */
    name: string;
    /**
     * Its attributes; null and undefined values are left out.
     * @example
     * return { name: "workflow", attributes: { name: "backup", group: "nightly", id: 3 } };
     */
    attributes?: Record<string, string | number | boolean | null | undefined>;
    /**
     * Its child elements.
     * @example
     * return { name: "instances", children: rows.map((r) => ({ name: "instance", attributes: r })) };
     */
    children?: Node[];
    /**
     * Its text content.
     * @example
     * return { name: "output", text: log };
     */
    text?: string;
  }

  /** A command: `<GROUP action="ACTION" attr="…"><parameter name="n" value="v"/>…</GROUP>`. */
  export interface Query {
    /**
     * The root element's name: "instances" for `<instances action="list"/>`.
     * @example
     * if (query.group === "instances") return listInstances(query);
     */
    readonly group: string;
    /**
     * Its `action` attribute ("" when there is none).
     * @example
     * switch (query.action) { case "list": return list(); case "launch": return launch(query.attributes.name); }
     */
    readonly action: string;
    /**
     * The root's other attributes, as text.
     * @example
     * const limit = Number(query.attributes.limit ?? 30);
     */
    readonly attributes: Readonly<Record<string, string>>;
    /**
     * The `<parameter name value/>` children, by name.
     * @example
     * launch(query.attributes.name, query.parameters); // { host: "db1", retries: "3" }
     */
    readonly parameters: Readonly<Record<string, string>>;
    /**
     * The root's other child elements.
     * @example
     * const tags = query.children.filter((c) => c.name === "tag").map((c) => c.attributes?.label);
     */
    readonly children: readonly Node[];
  }

  /** The connection a command came on. */
  export interface Session {
    /**
     * The session id, as the dashboard and net/v4/websockets name it ("s12", "n1.s12").
     * @example
     * console.log(`${session.id} asked ${query.group} ${query.action}`);
     */
    readonly id: string;
    /**
     * The user who signed in; null when the handler exports no onAuth.
     * @example
     * if (session.user === null) throw new ApiError("NOT_ALLOWED", "sign in first");
     */
    readonly user: string | null;
    /**
     * The profile onAuth gave ("USER" when it gave none; "ADMIN" when sign-in is off).
     * @example
     * if (session.profile !== "ADMIN") throw new ApiError("NOT_ALLOWED", "admins only");
     */
    readonly profile: string;
    /**
     * The subprotocol the client chose: "api" for commands, "events" for subscriptions.
     * @example
     * if (session.mode === "events") return summary(); // smaller answers for live lists
     */
    readonly mode: "api" | "events";
    /**
     * This node's name, as the frames carry it.
     * @example
     * return { name: "status", attributes: { node: session.node } };
     */
    readonly node: string;
    /**
     * The endpoint the connection is on.
     * @example
     * if (session.endpoint === "jobs-readonly" && query.action !== "list") throw new ApiError("NOT_ALLOWED", "read-only");
     */
    readonly endpoint: string;
  }

  /** What an event's re-run of a subscription's command is for (onApi's third argument). */
  export interface EventInfo {
    /**
     * The event's name.
     * @example
     * if (event?.type === "INSTANCE_TERMINATED") return finishedOnly(query);
     */
    readonly type: string;
    /**
     * The objects it is about, comma-separated ("5", or "5,7,9" when throttled events merged; "0" for none).
     * @example
     * const ids = event ? event.objectId.split(",").map(Number) : [];
     */
    readonly objectId: string;
    /**
     * The subscription's external id (0 when it gave none).
     * @example
     * console.log(`refreshing panel ${event.externalId}`);
     */
    readonly externalId: number;
    /**
     * The frame's event-id, which the client acks.
     * @example
     * console.debug(`event ${event.eventId} for ${session.id}`);
     */
    readonly eventId: number;
  }

  /**
   * Adds event names clients may subscribe to, besides evQueue's standard
   * ones and the descriptor's `evqueue.events`. Call it in top-level code: a
   * reload runs it again (the old names go with the old code). A subscription
   * to an unknown name gets a KO frame.
   * @example
   * registerEvents(["JOB_STARTED", "JOB_DONE"]);
   */
  export function registerEvents(names: string[]): void;

  /**
   * Raises an event on every node of the project: each subscription of
   * `type` whose object filter is 0 or `objectId` re-runs its command through
   * its handler's onApi and sends the result to its client.
   * @example
   * createEvent("INSTANCE_TERMINATED", instance.id);
   */
  export function createEvent(type: string, objectId?: number): void;

  /**
   * Throw one from onApi to answer `<response status="KO" error="message" error-code="code"/>`.
   * It is the client's answer, not a fault: it is not logged. Anything else
   * thrown answers error-code INTERNAL_ERROR and is logged with file:line.
   * @example
   * throw new ApiError("INVALID_PARAMETER", `no workflow named ${query.attributes.name}`);
   */
  export class ApiError extends Error {
    constructor(code: string, message?: string);
    /**
     * The error-code the client gets.
     * @example
     * try { check(query); } catch (e) { if (e instanceof ApiError && e.code === "INVALID_PARAMETER") console.warn(e.message); throw e; }
     */
    readonly code: string;
  }

  // client role: see cluster-guest.ts (createCluster and Cluster are declared here)
}

declare namespace AerostatHandler {
  /**
   * An evqueue endpoint's handler's onAuth: the password SHA1 (hex) of `user`
   * and the profile its session gets, or null when there is no such user.
   * @example
   * export const onAuth: AerostatHandler.OnEvqAuth = (user) => users.get(user) ?? null;
   */
  type OnEvqAuth = (
    user: string,
  ) => { passwordSha1: string; profile?: string } | null | Promise<{ passwordSha1: string; profile?: string } | null>;
  /**
   * An evqueue endpoint's handler's onApi: the answer to a command as nodes
   * (a Node named "response" gives its attributes and children to the reply
   * itself), nothing for an empty OK, or a throw of ApiError for KO.
   * @example
   * export const onApi: AerostatHandler.OnEvqApi = (query) => ({ name: "pong" });
   */
  type OnEvqApi = (
    query: import("net/v4/evqueue").Query,
    session: import("net/v4/evqueue").Session,
    event?: import("net/v4/evqueue").EventInfo,
  ) => import("net/v4/evqueue").Node | import("net/v4/evqueue").Node[] | void | Promise<import("net/v4/evqueue").Node | import("net/v4/evqueue").Node[] | void>;
}
