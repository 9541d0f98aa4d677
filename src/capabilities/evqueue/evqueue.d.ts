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
 * The client role: `createCluster` makes the script an evQueue client of
 * real evQueue engines (or of aerostat endpoints whose descriptor says `"protocol": "evqueue"`),
 * with the names and argument orders of evQueue's `evQueueCluster`.
 *
 * The server keeps the sockets (one "api" and, once the script subscribes or
 * names onEvent, one "events" WebSocket per node), signs in, reconnects with
 * backoff (250 ms to 10 s, with jitter) and subscribes again after every
 * reconnect (with send_now). Events go to the handler's exported
 * `onEvqueueEvent(node, info)` (an event whose command failed on the node
 * too, with `node.attributes.status` "KO") and are acknowledged once it
 * returned (or its Promise settled, or it threw); state changes go to
 * `onEvqueueState(change)`.
 * Both run under the CPU limit, like every hook.
 *
 * Credentials never come from the script: a node is the name of an operator
 * connection (`--connection evq=ws://user:password@host:5001`: its URL and
 * credentials are used), or a ws:// URL without a user part, signed in with
 * the credentials of `options.connection` only when it is that connection's
 * URL (scheme, host, port and path). Every node must pass the outbound allowlist
 * (`--allow-outbound host:port`), except this server's own service
 * endpoints (`ws://127.0.0.1:<port>/websockets/v4/service/<endpoint>`).
 *
 * A cluster belongs to the code that made it: a reload, an unload or a
 * restart of the sandbox closes it (make it again in the top-level code).
 *
 * @example
 * const { ApiError, createCluster, createEvent, registerEvents } = require("net/v4/evqueue");
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
 * // The client role:
 * const cluster = createCluster(["evq1", "evq2"]); // --connection evq1=ws://admin:secret@10.0.0.1:5001 …
 * cluster.Subscribe("INSTANCE_TERMINATED", { group: "instances", action: "list" }, true);
 * exports.onEvqueueEvent = (node, info) => console.log(info.node, node.children.length, "instances");
 * exports.onMessage = async (message, connection) => {
 *   const response = await cluster.API({ group: "instance", action: "launch", attributes: { name: message } });
 *   connection.send(response.attributes["instance-id"]);
 * };
 */
declare module "net/v4/evqueue" {
  /** One XML element as it arrives: a cluster's answers and events, and the children of a command that onApi gets. */
  export interface Node {
    /**
     * The element's name ("response" for an answer's root).
     * @example
     * if (node.name === "response") console.log(node.attributes.status);
     */
    readonly name: string;
    /**
     * Its attributes, as strings (an answer's root has `node` and `status`).
     * @example
     * const instanceId = Number(response.attributes["instance-id"]);
     */
    readonly attributes: Readonly<Record<string, string>>;
    /**
     * Its child elements, in order.
     * @example
     * const ids = response.children.filter((c) => c.name === "instance").map((c) => c.attributes.id);
     */
    readonly children: readonly Node[];
    /**
     * Its character data, concatenated ("" when none).
     * @example
     * const output = node.children.find((c) => c.name === "output")?.text ?? "";
     */
    readonly text: string;
  }

  /**
   * An XML element as onApi returns it. Attribute values may be numbers or
   * booleans (written as text); text and attributes are escaped on the way
   * out. What arrives (a command's other children, a cluster's answers) is a
   * `Node`.
   */
  export interface NodeInput {
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
    children?: NodeInput[];
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

  /** An API command, as evQueue's clients write it: `<group action="…" attr="…"><parameter name value/></group>`. */
  export interface ApiCommand {
    /**
     * The command group, an XML name: "instances", "instance", "queue", ...
     * @example
     * await cluster.API({ group: "instances", action: "list" });
     */
    group: string;
    /**
     * The action within the group.
     * @example
     * await cluster.API({ group: "instance", action: "query", attributes: { id: 12 } });
     */
    action: string;
    /**
     * Attributes of the command element (not "action").
     * @example
     * await cluster.API({ group: "instance", action: "launch", attributes: { name: "backup", host: "db1" } });
     */
    attributes?: Record<string, string | number | boolean>;
    /**
     * Parameters, sent as `<parameter name="…" value="…"/>` children.
     * @example
     * await cluster.API({ group: "instance", action: "launch", attributes: { name: "backup" }, parameters: { target: "/srv" } });
     */
    parameters?: Record<string, string | number | boolean>;
    /**
     * Where it goes: "*" every node up (API resolves with an array of the
     * answers of the nodes that answered, each naming its node), a node's
     * name (from its `<ready>`, or the connection name or URL given to
     * createCluster), or left out: the first node up, failing over to the next
     * when a node cannot be reached before the command went out (never after a
     * sign-in failure, an answer, a timeout, or a drop once it was sent). In
     * Subscribe: "*" every node, a name that node, left out one node up at a
     * time (see Cluster.Subscribe).
     * @example
     * const perNode = await cluster.API({ group: "status", action: "query", attributes: { type: "workflows" }, node: "*" });
     */
    node?: string;
    /**
     * Modules a node must have (its `<ready>` lists them): a node without one
     * answers undefined, and the command is not sent to it.
     * @example
     * const answer = await cluster.API({ group: "notifications", action: "list", required_modules: ["notifications"] });
     */
    required_modules?: string[];
  }

  /** createCluster's options. */
  export interface ClusterOptions {
    /**
     * An operator connection (`--connection NAME=ws://user:password@host:port/path`)
     * whose credentials sign in to a URL node that is its URL (scheme, host,
     * port and path the same, the query aside); any other URL node with it is
     * a TypeError (give the connection name as the node instead). A password
     * written "sha1:<40 hex>" is taken as the password's SHA1, as evQueue stores it.
     * @example
     * createCluster(["ws://10.0.0.1:5001/"], { connection: "evq" }); // --connection evq=ws://admin:secret@10.0.0.1:5001
     */
    connection?: string;
    /**
     * The exported function events go to (default "onEvqueueEvent"). Naming
     * it opens the events sockets at once; otherwise the first Subscribe does.
     * @example
     * createCluster(["evq"], { onEvent: "onInstances" }); exports.onInstances = (node, info) => {};
     */
    onEvent?: string;
    /**
     * The exported function state changes go to (default "onEvqueueState").
     * @example
     * createCluster(["evq"], { onStateChange: "onNodeState" }); exports.onNodeState = (change) => console.log(change.state);
     */
    onStateChange?: string;
  }

  /** What onEvqueueEvent gets besides the node: where the event came from, and the error of a KO. */
  export interface ClusterEventInfo {
    /**
     * The name of the node that sent it.
     * @example
     * exports.onEvqueueEvent = (node, info) => console.log("from", info.node);
     */
    readonly node: string;
    /**
     * The subscription's external id (0 when it gave none).
     * @example
     * exports.onEvqueueEvent = (node, info) => { if (info.externalId === 7) refreshList(node); };
     */
    readonly externalId: number;
    /**
     * The object id(s) the event is about: "5", or "5,6,9" when evQueue merged
     * events while it waited for an acknowledgement ("" or "0" for none).
     * @example
     * const ids = info.objectId.split(",").filter(Boolean).map(Number);
     */
    readonly objectId: string;
    /**
     * evQueue's id of this event (acknowledged for you once the hook returned).
     * @example
     * console.log("event", info.eventId);
     */
    readonly eventId: number;
    /**
     * The subscribed event type, when only one subscription on that node has this external id.
     * @example
     * if (info.type === "INSTANCE_TERMINATED") console.log("done");
     */
    readonly type?: string;
    /**
     * Set when the node answered KO instead (the subscription was refused, or
     * its command failed when run for this event): evQueue's error-code and
     * error. `node` is then the KO response. Acknowledged like any event.
     * @example
     * exports.onEvqueueEvent = (node, info) => { if (info.error) return console.warn(info.error.code, info.error.message); show(node); };
     */
    readonly error?: { readonly code: string; readonly message: string };
  }

  /** What onEvqueueState gets when a node's state changes. */
  export interface StateChange {
    /**
     * The node's name (what createCluster was given, until the node said its name).
     * @example
     * exports.onEvqueueState = (change) => console.log(change.node, change.state);
     */
    readonly node: string;
    /**
     * The node's URL (never with credentials).
     * @example
     * exports.onEvqueueState = (change) => console.log(change.url);
     */
    readonly url: string;
    /**
     * "CONNECTING", "AUTHENTICATING", "READY" or "ERROR". After a failure the
     * node stays in ERROR while it reconnects, until it is READY again.
     * @example
     * exports.onEvqueueState = (change) => { if (change.state === "READY") console.log(change.node, "is up"); };
     */
    readonly state: string;
    /**
     * In ERROR: "AUTHENTICATION" (credentials refused or missing; tried again
     * once a minute), "CONNECTION" or "PROTOCOL"; else null.
     * @example
     * exports.onEvqueueState = (change) => { if (change.lastError === "AUTHENTICATION") console.error(change.message); };
     */
    readonly lastError: string | null;
    /**
     * What went wrong, in words ("" when nothing did).
     * @example
     * exports.onEvqueueState = (change) => change.message && console.warn(change.message);
     */
    readonly message: string;
  }

  /**
   * A cluster of evQueue nodes (evQueue's evQueueCluster). Its promises reject
   * with an Error whose `code` says why and `node` which node: an `ApiError`
   * for a KO answer (code = evQueue's error-code, message = its error), an
   * `AuthenticationError` (code "AUTHENTICATION"), a `ConnectionError` (code
   * "CONNECTION"; "CLOSED" once the cluster was closed; with `sent: true`
   * when the command had gone out before the node dropped, so it may have
   * run there and is not sent to another node), a `TimeoutError`
   * (code "TIMEOUT", after 30 s), and a TypeError or RangeError for a wrong
   * argument.
   */
  export interface Cluster {
    /**
     * Sends an API command; resolves with the answer's root element (status
     * "OK"), or undefined for a node without a required module. For
     * `node: "*"`: an array of the answers of the nodes that answered, in the
     * nodes' order, each naming its node in `attributes.node` (a node that
     * failed, or lacks a required module, is left out; a failure is logged);
     * it rejects only when no node answered.
     * @example
     * const response = await cluster.API({ group: "instances", action: "list" });
     * for (const i of response.children) console.log(i.attributes.id, i.attributes.name);
     * const perNode = await cluster.API({ group: "status", action: "query", attributes: { type: "workflows" }, node: "*" });
     * for (const answer of perNode) console.log(answer.attributes.node, answer.children.length);
     */
    API(cmd: ApiCommand): Promise<Node | Node[] | undefined>;
    /**
     * Subscribes to `event`: each time it happens on the node that holds the
     * subscription, that node runs `api` for this cluster and onEvqueueEvent
     * gets the answer. `sendNow`: also once at once. Where it lives:
     * - `api.node` left out: on ONE node, the first node up (READY in
     *   GetStates; when none is, the first that becomes READY). When its
     *   events connection to that node is lost, it moves to the first node
     *   up and is sent there with send_now="yes" (the current answer at
     *   once); it stays there when the first node is back. When no node is
     *   up, it waits for the first that becomes READY.
     * - `api.node: "*"`: on every node; each node's events come (aerostat
     *   nodes of one engine each deliver every event, so it arrives once per
     *   node).
     * - `api.node: "name"`: on that node only.
     * A node that reconnects gets its subscriptions again with send_now="yes".
     * Resolves once sent to its node (for "*": to every node that is up); when
     * none of the nodes it may go to can take it (each one in ERROR), it
     * resolves all the same and the subscription waits for one (it waits at
     * most 30 s for a node still connecting). Rejects when every such node
     * refused the credentials.
     * @example
     * await cluster.Subscribe("INSTANCE_TERMINATED", { group: "instances", action: "list" }, true, 0, 1);
     * await cluster.Subscribe("INSTANCE_STARTED", { group: "instances", action: "list", node: "*" }, false, 0, 2);
     */
    Subscribe(event: string, api: ApiCommand, sendNow: boolean, objectId?: number, externalId?: number): Promise<void>;
    /**
     * Removes subscriptions to `event` (evQueue's rule: the object id equal,
     * 0 or left out meaning only those without one; the external id equal,
     * 0 or left out meaning any), telling the nodes that hold them (where a
     * subscription moved: the node it moved to).
     * @example
     * await cluster.Unsubscribe("INSTANCE_TERMINATED", 1);
     */
    Unsubscribe(event: string, externalId?: number, objectId?: number): Promise<void>;
    /**
     * Removes every subscription of this cluster.
     * @example
     * await cluster.UnsubscribeAll();
     */
    UnsubscribeAll(): Promise<void>;
    /**
     * The nodes' names from their `<ready>` (null for a node that has not said it yet).
     * @example
     * console.log(cluster.GetNodes()); // ["node1", "node2"]
     */
    GetNodes(): (string | null)[];
    /**
     * The nodes' states: "CONNECTING", "AUTHENTICATING", "READY", "ERROR" or "CLOSED".
     * @example
     * if (cluster.GetStates().every((s) => s === "ERROR")) console.warn("no evQueue node is up");
     */
    GetStates(): string[];
    /**
     * The nodes' evQueue versions from their `<ready>` (null until known).
     * @example
     * console.log(cluster.GetVersions()); // ["3.3", "3.3"]
     */
    GetVersions(): (string | null)[];
    /**
     * Closes every socket of the cluster; what waits on it rejects (code "CLOSED").
     * @example
     * cluster.Close();
     */
    Close(): void;
  }

  /**
   * Makes a cluster of evQueue nodes: connection names (`--connection`) or
   * ws:// URLs without credentials. Throws a TypeError naming the argument
   * when a node is not allowed (credentials in the URL, a host outside the
   * allowlist, a URL node other than options.connection's URL), and a
   * RangeError past 32 nodes or 16 clusters per handler module.
   * @example
   * const cluster = createCluster(["evq"], { onStateChange: "onEvqueueState" });
   * exports.onEvqueueState = ({ node, state, lastError }) => console.log(node, state, lastError ?? "");
   */
  export function createCluster(nodes: string[], options?: ClusterOptions): Cluster;
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
  ) => import("net/v4/evqueue").NodeInput | import("net/v4/evqueue").NodeInput[] | void | Promise<import("net/v4/evqueue").NodeInput | import("net/v4/evqueue").NodeInput[] | void>;
}
