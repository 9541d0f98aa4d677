/**
 * aerostat evQueue client, served at `/websockets/v4/evqueue.js` (from Node:
 * `aerostat/evqueue`): evQueue's `evQueueWS` and `evQueueCluster` with their
 * method names and argument orders, so a page written for evQueue's classes
 * changes only its import. On top: reconnect with backoff and jitter,
 * subscriptions sent again (with send_now) after a reconnect, UTF-8-safe
 * base64 of `api_cmd`, and an optional JSON tree format.
 *
 * @example
 * import { evQueueCluster, evQueueWS } from "/websockets/v4/evqueue.js";
 * evQueueWS.credentials = { user: "admin", passwordSha1: await evQueueWS.hashPassword("admin") };
 * const api = new evQueueCluster(["ws://localhost:5001"]);
 * const doc = await api.API({ group: "instances", action: "list" });
 * const events = new evQueueCluster(["ws://localhost:5001"], (data, info) => render(data, info.externalId));
 * await events.Subscribe("INSTANCE_TERMINATED", { group: "instances", action: "list" }, true, 0, 1);
 */

/** A connection's state. */
export type EvqState = "DISCONNECTED" | "CONNECTING" | "AUTHENTICATING" | "READY" | "ERROR";

/**
 * Why a connection last failed: a refused sign-in (no retry until Connect()), a lost (or never made) connection
 * (retried with backoff), or an aerostat node refusing sign-ins from this address for N s after too many failed
 * ones ("RATE_LIMITED": retried after those N s); null while none did.
 */
export type EvqLastError = "AUTHENTICATION" | "CONNECTION" | "RATE_LIMITED" | null;

/** An element as a plain tree (format "json"): the same shape aerostat's evQueue scripts use. */
export interface EvqNode {
  /** The element's name. @example if (tree.name === "response") render(tree.children) */
  readonly name: string;
  /** Its attributes, as strings. @example tree.attributes.status === "OK" */
  readonly attributes: Readonly<Record<string, string>>;
  /** Its child elements. @example for (const i of tree.children) console.log(i.attributes.id) */
  readonly children: readonly EvqNode[];
  /** Its own character data (text and CDATA, concatenated). @example console.log(tree.children[0]?.text) */
  readonly text: string;
}

/** An API command. */
export interface EvqApi {
  /** The command group: the root element's name. @example { group: "instances", action: "list" } */
  group: string;
  /** The action. @example { group: "instance", action: "launch", attributes: { name: "sleep" } } */
  action?: string;
  /** Attributes of the command's element. @example { group: "instance", action: "get", attributes: { id: 42 } } */
  attributes?: Record<string, string | number | boolean | null | undefined>;
  /** `<parameter name value/>` children. @example { group: "instance", action: "launch", attributes: { name: "sleep" }, parameters: { seconds: 5 } } */
  parameters?: Record<string, string | number | boolean | null | undefined>;
  /** Cluster routing: a node's name (or URL), "*" for every node that is up, absent for the first node up. @example cluster.API({ group: "status", action: "query", node: "*" }) */
  node?: string;
  /** Modules the node must have: a node without one skips the command (its answer is undefined). @example cluster.API({ group: "git", action: "list", required_modules: ["git"] }) */
  required_modules?: string[];
}

/** Where an event frame came from. */
export interface EvqEventInfo {
  /** The node's name. @example (data, info) => console.log(info.node) */
  readonly node: string | null;
  /** The subscription's external id (0 when it had none). @example (data, info) => handlers[info.externalId]?.(data) */
  readonly externalId: number;
  /** The object id(s) of the event, comma-separated when several were merged while unacked. @example info.objectId.split(",").map(Number) */
  readonly objectId: string;
  /** The frame's event id (null for a frame without one); the client has acked it. @example console.log(info.eventId) */
  readonly eventId: number | null;
}

/** An Error a command or Connect() rejects with. */
export interface EvqError extends Error {
  /**
   * "AUTHENTICATION", "CONNECTION", "TIMEOUT", "CLOSED", "UNKNOWN_NODE", or the node's error-code of a KO answer.
   * @example try { await api.API(cmd) } catch (e) { if (e.code === "INVALID_PARAMETER") fix(cmd) }
   */
  readonly code: string;
  /** A KO answer: the whole response (Document, or EvqNode with format "json"). @example console.log(e.response?.documentElement.getAttribute("error")) */
  readonly response?: Document | EvqNode;
  /** Whether the command had gone out (false: it surely did not run). @example if (e.code === "CONNECTION" && !e.sent) retry() */
  readonly sent?: boolean;
}

/** Options of evQueueWS (and of evQueueCluster, which gives them to each node). */
export interface EvqOptions<F extends "xml" | "json" = "xml" | "json"> {
  /** "api" for commands, "events" for subscriptions. Default: "events" with an eventCallback, else "api". @example new evQueueWS(url, { mode: "events", eventCallback }) */
  mode?: "api" | "events";
  /**
   * Called with each event frame (acked already). A KO frame comes too (root status="KO", error, error-code):
   * with an eventId, the subscription's command failed for that event; with eventId null, the node refused the subscription (an unknown event type, say).
   * @example new evQueueWS(url, { eventCallback: (doc, info) => console.log(info.externalId) })
   */
  eventCallback?: (data: F extends "json" ? EvqNode : Document, info: EvqEventInfo) => void;
  /** Called on each state change, with the node's name (its URL before its first <ready>). @example { stateChange: (node, state) => badge(node, state) } */
  stateChange?: (node: string, state: EvqState) => void;
  /** Credentials of this connection; else evQueueWS.credentials, else localStorage.user/password. @example { credentials: { user: "admin", passwordSha1: sha1 } } */
  credentials?: { user: string; passwordSha1: string };
  /** "xml" (default): answers and events are Documents; "json": EvqNode trees. @example new evQueueCluster(urls, undefined, undefined, { format: "json" }) */
  format?: F;
  /** The DOMParser class (Node: @xmldom/xmldom's); else evQueueWS.DOMParser, else the global one. @example { DOMParser: (await import("@xmldom/xmldom")).DOMParser } */
  DOMParser?: new () => { parseFromString(text: string, type: string): Document };
  /** The WebSocket class; else evQueueWS.WebSocket, else the global one. @example { WebSocket: MyWebSocket } */
  WebSocket?: new (url: string, protocol: string) => WebSocket;
  /** Reconnect after the connection drops (never after a refused sign-in). Default true. @example { reconnect: false } */
  reconnect?: boolean;
  /** First reconnect delay, ms. Default 250. @example { minDelayMs: 100 } */
  minDelayMs?: number;
  /** Longest reconnect delay, ms. Default 10000. @example { maxDelayMs: 30_000 } */
  maxDelayMs?: number;
  /** Share of each delay that is random, 0 to 1. Default 0.5. @example { jitter: 1 } */
  jitter?: number;
  /** How long an attempt may take to reach READY, ms (0: no limit). Default 10000. @example { connectTimeoutMs: 3000 } */
  connectTimeoutMs?: number;
  /** How long an answer may take, ms (0: no limit); past it the command rejects "TIMEOUT" and the connection is renewed. Default 30000. @example { apiTimeoutMs: 60_000 } */
  apiTimeoutMs?: number;
}

/** One connection to one evQueue node. */
export declare class evQueueWS<F extends "xml" | "json" = "xml"> {
  /** Credentials of connections that have none of their own. @example evQueueWS.credentials = { user: "admin", passwordSha1: await evQueueWS.hashPassword("admin") }; */
  static credentials: { user: string; passwordSha1: string } | null;
  /** The DOMParser where there is no global one. @example import { DOMParser } from "@xmldom/xmldom"; evQueueWS.DOMParser = DOMParser; */
  static DOMParser: (new () => { parseFromString(text: string, type: string): Document }) | null;
  /** The WebSocket where there is no global one. @example import { WebSocket } from "ws"; evQueueWS.WebSocket = WebSocket; */
  static WebSocket: (new (url: string, protocol: string) => WebSocket) | null;
  /** WebCrypto for hashing (undefined: the page's crypto.subtle; null: the built-in JavaScript SHA-1, what pages without crypto.subtle use). @example evQueueWS.subtle = null; */
  static subtle: SubtleCrypto | null | undefined;
  /** The SHA1 hex of a password: what passwordSha1 (and localStorage.password) holds. @example localStorage.password = await evQueueWS.hashPassword("secret"); */
  static hashPassword(password: string): Promise<string>;
  /** The answer to a sign-in challenge: HMAC-SHA1 keyed with the bytes of passwordSha1 over the bytes of the challenge, hex. @example await evQueueWS.challengeResponse(challenge, sha1) */
  static challengeResponse(challengeHex: string, passwordSha1Hex: string): Promise<string>;

  /**
   * A connection to one node URL (`ws://host:5001`), not yet open: Connect(), API() or Subscribe() opens it.
   * @example const node = new evQueueWS("ws://localhost:5001", { credentials: { user: "admin", passwordSha1 } });
   */
  constructor(url: string | URL, options?: EvqOptions<F>);
  /** The node URL. @example node.GetURL() === "ws://localhost:5001" */
  GetURL(): string;
  /** "api" or "events". @example if (node.GetMode() === "events") node.Subscribe(...) */
  GetMode(): "api" | "events";
  /** The current state. @example if (node.GetState() === "READY") ... */
  GetState(): EvqState;
  /** Why the connection last failed. @example if (node.GetLastError() === "AUTHENTICATION") askForPassword() */
  GetLastError(): EvqLastError;
  /** The node's name from <ready> (null before). @example console.log(node.GetNode()) */
  GetNode(): string | null;
  /** The engine's version from <ready>. @example console.log(node.GetVersion()) */
  GetVersion(): string | null;
  /** The profile the user signed in with (from <ready>). @example if (node.GetProfile() === "ADMIN") showAdmin() */
  GetProfile(): string | null;
  /** The node's modules from <ready>. @example node.GetModules().some((m) => m.name === "git") */
  GetModules(): { name: string; version: string }[];
  /** Opens the connection; resolves at READY; rejects with Error "Authentication error" on a refused sign-in (no retry then) or a connection error (it retries in the background). @example await node.Connect(); */
  Connect(): Promise<void>;
  /** Closes, stops reconnecting, rejects the commands that wait (code "CLOSED") and forgets subscriptions (a Subscribe() still waiting resolves). @example node.Close(); */
  Close(): void;
  /** Runs a command (api mode; one in flight, the rest queued in order); a KO answer rejects with code = error-code. @example const doc = await node.API({ group: "instances", action: "list" }); */
  API(api: EvqApi): Promise<(F extends "json" ? EvqNode : Document) | undefined>;
  /** Subscribes (events mode); resolves once the frame went out, or once the subscription was withdrawn before (Unsubscribe, UnsubscribeAll, Close); kept and sent again with send_now after a reconnect. @example await node.Subscribe("INSTANCE_TERMINATED", { group: "instances", action: "list" }, true, 0, 1); */
  Subscribe(event: string, api: EvqApi, send_now?: boolean, object_id?: number, external_id?: number): Promise<void>;
  /** Removes the subscriptions of `event` whose external id matches (0: any) and object filter equals object_id. @example await node.Unsubscribe("INSTANCE_TERMINATED", 1); */
  Unsubscribe(event: string, external_id?: number, object_id?: number): Promise<void>;
  /** Removes every subscription of this connection (a Subscribe() still waiting resolves). @example await node.UnsubscribeAll(); */
  UnsubscribeAll(): Promise<void>;
}

/** Several nodes of an evQueue cluster, with evQueue's routing over them. */
export declare class evQueueCluster<F extends "xml" | "json" = "xml"> {
  /**
   * Connects to every node. With an eventCallback: events connections (Subscribe); without: api connections (API).
   * @example
   * const api = new evQueueCluster(["ws://n1:5001", "ws://n2:5001"], undefined, (node, state) => console.log(node, state));
   * const events = new evQueueCluster(["ws://n1:5001"], (data, info) => refresh(info.externalId));
   */
  constructor(
    nodes: (string | URL)[],
    eventCallback?: ((data: F extends "json" ? EvqNode : Document, info: EvqEventInfo) => void) | null,
    stateChange?: ((node: string, state: EvqState) => void) | null,
    options?: Omit<EvqOptions<F>, "mode" | "eventCallback" | "stateChange">,
  );
  /**
   * Runs a command on `api.node` (a name), on every node up (`"*"`: an array of answers, without the nodes that are away), or on the first node up,
   * failing over to the next while the command surely did not run (a connection error before sending; never on a refused sign-in).
   * @example const [n1, n2] = await api.API({ group: "status", action: "query", node: "*" });
   */
  API(api: EvqApi & { node: "*" }): Promise<((F extends "json" ? EvqNode : Document) | undefined)[]>;
  /** @example const doc = await api.API({ group: "instances", action: "list" }); */
  API(api: EvqApi): Promise<(F extends "json" ? EvqNode : Document) | undefined>;
  /**
   * Subscribes on `api.node` (that node only), on every node (`"*"`), or, without a node, on one node: the first node up, and
   * when that node fails the next node up (sent there with send_now, so the callback gets the current answer), where it stays.
   * A node that comes back after a reconnect gets its own subscriptions again with send_now.
   * @example await events.Subscribe("INSTANCE_STARTED", { group: "instances", action: "list", node: "*" }, true, 0, 7);
   */
  Subscribe(event: string, api: EvqApi, send_now?: boolean, object_id?: number, external_id?: number): Promise<void>;
  /** Removes matching subscriptions on every node, wherever a subscription without a node has moved (object_id 0: only unfiltered ones). @example await events.Unsubscribe("INSTANCE_STARTED", 7); */
  Unsubscribe(event: string, external_id?: number, object_id?: number): Promise<void>;
  /** Removes every subscription on every node. @example await events.UnsubscribeAll(); */
  UnsubscribeAll(): Promise<void>;
  /** Closes every connection; nothing reconnects. @example window.addEventListener("pagehide", () => api.Close()); */
  Close(): void;
  /** Node names (a node's URL until its first <ready>). @example api.GetNodes() // ["n1", "n2"] */
  GetNodes(): string[];
  /** Engine versions, per node (null before <ready>). @example api.GetVersions() // ["3.3", "3.3"] */
  GetVersions(): (string | null)[];
  /** Modules, per node. @example api.GetModules()[0].map((m) => m.name) */
  GetModules(): { name: string; version: string }[][];
  /** States, per node. @example api.GetStates().filter((s) => s === "READY").length */
  GetStates(): EvqState[];
  /** A node's connection by its name. @example api.GetNodeByName("n1")?.GetState() */
  GetNodeByName(name: string): evQueueWS<F> | null;
  /** A node's connection by its URL. @example api.GetNodeByCnx("ws://n1:5001")?.GetNode() */
  GetNodeByCnx(url: string | URL): evQueueWS<F> | null;
  /** The first node that is READY, or null. @example api.GetUpNode()?.GetNode() */
  GetUpNode(): evQueueWS<F> | null;
  /** The XML text of a command. @example api.BuildAPI({ group: "instances", action: "list" }) // '<instances action="list"/>' */
  BuildAPI(api: EvqApi): string;
}

/** The states, by name. @example if (node.GetState() === States.READY) ... */
export declare const States: { readonly [K in EvqState]: K };
