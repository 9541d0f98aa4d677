/**
 * Globals every aerostat handler context has. There is no `process`, no
 * `Buffer` and no host `require`: only the runtime modules, and the project's
 * own files and packages bundled in at load, can be required.
 * The web platform globals (URL, fetch, crypto, ...) are typed in web.d.ts.
 */
/// <reference path="web.d.ts" />

/** Loads a runtime module such as "net/v4/websockets". @example const websockets = require("net/v4/websockets"); */
declare function require(name: "net/v4/websockets"): typeof import("net/v4/websockets");
/** Dirigible's alias of "net/v4/websockets". @example const websockets = require("net/websockets"); */
declare function require(name: "net/websockets"): typeof import("net/v4/websockets");
/** The namespace of Dirigible's current docs. @example const { websockets } = require("sdk/net"); */
declare function require(name: "sdk/net"): typeof import("sdk/net");
/** A script service's request. @example const request = require("http/v4/request"); */
declare function require(name: "http/v4/request"): typeof import("http/v4/request");
/** A script service's response. @example const response = require("http/v4/response"); */
declare function require(name: "http/v4/response"): typeof import("http/v4/response");
/** The web platform globals (URL, fetch, crypto, ...), as they were before any script changed them. @example const { URL, fetch } = require("aerostat/web"); */
declare function require(name: "aerostat/web"): {
  URL: typeof URL;
  URLSearchParams: typeof URLSearchParams;
  TextEncoder: typeof TextEncoder;
  TextDecoder: typeof TextDecoder;
  atob: typeof atob;
  btoa: typeof btoa;
  structuredClone: typeof structuredClone;
  queueMicrotask: typeof queueMicrotask;
  DOMException: typeof DOMException;
  crypto: typeof crypto;
  fetch: typeof fetch;
  Headers: typeof Headers;
  Response: typeof Response;
};
/** Both, as Dirigible's current docs import them. @example const { request, response } = require("sdk/http"); */
declare function require(name: "sdk/http"): typeof import("sdk/http");
/** The operator's configuration (read-only). @example const key = require("core/v4/configurations").get("CHAT_TOKEN_KEY"); */
declare function require(name: "core/v4/configurations"): typeof import("core/v4/configurations");
/** The short name of "core/v4/configurations". @example const configurations = require("core/configurations"); */
declare function require(name: "core/configurations"): typeof import("core/v4/configurations");
/** The namespace of Dirigible's current docs. @example const { configurations } = require("sdk/core"); */
declare function require(name: "sdk/core"): typeof import("sdk/core");
/** Server events across the nodes of a project. @example const events = require("net/v4/events"); */
declare function require(name: "net/v4/events"): typeof import("net/v4/events");
/** The short name of "net/v4/events". @example const events = require("net/events"); */
declare function require(name: "net/events"): typeof import("net/v4/events");
/** The resources of MonoRail endpoints ("protocol": "monorail"). @example const monorail = require("net/v4/monorail"); */
declare function require(name: "net/v4/monorail"): typeof import("net/v4/monorail");
/** evQueue in scripts: the server role of evqueue endpoints (registerEvents, createEvent, ApiError) and createCluster, a client of evQueue nodes. @example const { ApiError, createEvent, createCluster } = require("net/v4/evqueue"); */
declare function require(name: "net/v4/evqueue"): typeof import("net/v4/evqueue");
/** The short name of "net/v4/evqueue". @example const evqueue = require("net/evqueue"); */
declare function require(name: "net/evqueue"): typeof import("net/v4/evqueue");
/**
 * A file of the project ("./util", "../shared/limits.json"), bundled into the
 * handler when it loads; saving it reloads the handler. Paths outside the
 * project root are refused at load. (Packages from the project's
 * node_modules are imported by name: `import { x } from "pkg"`.)
 * @example const { parse } = require("./util");
 */
declare function require(name: `./${string}` | `../${string}`): any;

/** CommonJS exports of the handler module. @example exports.onMessage = (m) => "echo: " + m; */
declare var exports: {
  onOpen?: AerostatHandler.OnOpen;
  onMessage?: AerostatHandler.OnMessage;
  onError?: AerostatHandler.OnError;
  onClose?: AerostatHandler.OnClose;
  onReload?: AerostatHandler.OnReload;
  onHandshake?: AerostatHandler.OnHandshake;
  onReconnect?: AerostatHandler.OnReconnect;
  onAuth?: AerostatHandler.OnEvqAuth;
  onApi?: AerostatHandler.OnEvqApi;
  [name: string]: unknown;
};
/** CommonJS module object. @example module.exports = { onMessage: (m) => m }; */
declare var module: { exports: typeof exports };

/** Output goes to the server log, tagged with the handler. @example console.log("opened", connection.id); */
declare var console: {
  log(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  debug(...args: unknown[]): void;
};

/** Runs `fn` once after `ms`. Bounded per module; cleared when the module reloads. @example setTimeout(() => connection.send("later"), 1000); */
declare function setTimeout<A extends unknown[]>(fn: (...args: A) => void, ms?: number, ...args: A): number;
/** Runs `fn` every `ms`. @example const id = setInterval(() => connection.send("tick"), 1000); */
declare function setInterval<A extends unknown[]>(fn: (...args: A) => void, ms?: number, ...args: A): number;
/** Cancels a timeout. @example clearTimeout(id); */
declare function clearTimeout(id: number | undefined): void;
/** Cancels an interval. @example clearInterval(id); */
declare function clearInterval(id: number | undefined): void;

/** The handler functions of a `.listener` descriptor's handler (see the README's "Listeners"). */
declare namespace AerostatHandler {
  /**
   * The listener a message came through, frozen. Which fields are set depends on
   * the source: `channel` (postgres, redis; `pattern` too for a redis pattern),
   * `routingKey` and `exchange` (amqp), `subject` (nats).
   * @example export function onMessage(message: string, listener: AerostatHandler.Listener) { console.log(listener.name, listener.channel); }
   */
  interface Listener {
    /** The listener's name (its descriptor's "name", else the file's base name). @example if (listener.name === "rack-nodes") refresh(); */
    readonly name: string;
    /** Where it listens. @example if (listener.source === "amqp") console.log(listener.routingKey); */
    readonly source: "amqp" | "postgres" | "redis" | "nats";
    /** postgres and redis: the channel the message came on. @example const table = listener.channel?.replace(/_changes$/, ""); */
    readonly channel?: string;
    /** redis: the pattern that matched, for a PSUBSCRIBE pattern. @example if (listener.pattern === "orders:*") order(message); */
    readonly pattern?: string;
    /** amqp: the message's routing key. @example const [collection, event, id] = listener.routingKey.split("."); */
    readonly routingKey?: string;
    /** amqp: the exchange it was published to. @example console.log(`${listener.exchange} ${listener.routingKey}`); */
    readonly exchange?: string;
    /** nats: the subject. @example const sensor = listener.subject?.split(".")[1]; */
    readonly subject?: string;
    /** "base64" when the body was not UTF-8 text and comes base64-encoded. @example const bytes = listener.encoding === "base64" ? atob(message) : message; */
    readonly encoding?: "base64";
    /** amqp: the broker delivered it before (its first delivery was lost with the sandbox). @example if (listener.redelivered) console.warn("seen before?", message); */
    readonly redelivered?: boolean;
    /** Set on the one empty message after a reconnect: messages may have been missed, so re-read what you keep. @example if (listener.gap) return reloadEverything(); */
    readonly gap?: true;
  }
  /**
   * A listener handler's onMessage: `message` is the body as text ("" for a gap
   * message). For amqp the message is acknowledged once it returns (or its
   * Promise settles), or after onError when it threw.
   * @example
   * // In JavaScript, type the parameters with JSDoc: @param {AerostatHandler.Listener} listener
   * export const onMessage: AerostatHandler.OnListenerMessage = (message, listener) => { if (!listener.gap) handle(JSON.parse(message)); };
   */
  type OnListenerMessage = (message: string, listener: Listener) => unknown;
  /**
   * A listener handler's onError: the connection was lost (the listener keeps
   * trying), or onMessage threw.
   * @example
   * export const onError: AerostatHandler.OnListenerError = (error, listener) => console.warn(listener.name, error);
   */
  type OnListenerError = (error: string, listener: Listener) => void;
}
