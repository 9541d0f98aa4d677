/**
 * RackHD MonoRail frames: text frames of one JSON object routed by `handler`
 * (protocols.md §4.2). Input names its resource in `resource` or `type`
 * (resource wins), else the connection's default resource (the URL's extra
 * segment); every frame the server sends carries both with the same value.
 */
import { MonoRailErrors, MonoRailHandlers } from "../../protocol/monorail.js";

/** Handlers a client may send. */
export type ClientHandler = "init" | "query" | "all" | "get" | "watch" | "stop" | "error";

const CLIENT_HANDLERS: ReadonlySet<string> = new Set<ClientHandler>(["init", "query", "all", "get", "watch", "stop", "error"]);

/** A frame read: what to do, on which resource, with which params. */
export type Inbound =
  | { readonly kind: "frame"; readonly handler: ClientHandler; readonly resource: string | undefined; readonly params: unknown }
  | { readonly kind: "bad"; readonly resource: string | undefined; readonly name: string; readonly message: string };

/** Characters of a resource name a frame may carry. */
export const MAX_RESOURCE_CHARS = 256;

function resourceOf(value: Record<string, unknown>, fallback: string | undefined): string | undefined {
  const named = typeof value["resource"] === "string" && value["resource"] !== "" ? value["resource"] : typeof value["type"] === "string" && value["type"] !== "" ? value["type"] : undefined;
  return named ?? fallback;
}

/** Reads a text frame; `fallback` is the connection's default resource. */
export function readFrame(text: string, fallback: string | undefined): Inbound {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { kind: "bad", resource: fallback, name: MonoRailErrors.badFrame, message: `the frame is not JSON (${(error as Error).message})` };
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    return { kind: "bad", resource: fallback, name: MonoRailErrors.badFrame, message: 'a frame is a JSON object such as {"handler": "all", "resource": "nodes"}' };
  }
  const v = value as Record<string, unknown>;
  const resource = resourceOf(v, fallback);
  if (resource !== undefined && resource.length > MAX_RESOURCE_CHARS) {
    return { kind: "bad", resource: resource.slice(0, MAX_RESOURCE_CHARS), name: MonoRailErrors.badFrame, message: `a resource name has at most ${MAX_RESOURCE_CHARS} characters` };
  }
  const handler = v["handler"];
  if (typeof handler !== "string" || !CLIENT_HANDLERS.has(handler)) {
    const shown = typeof handler === "string" ? JSON.stringify(handler.slice(0, 100)) : "none";
    return { kind: "bad", resource, name: MonoRailErrors.unknownHandler, message: `handler ${shown} is not one of init, query, all, get, watch, stop` };
  }
  return { kind: "frame", handler: handler as ClientHandler, resource, params: v["params"] === undefined ? {} : v["params"] };
}

/** `"resource":R,"type":R` of an outgoing frame (null when it names none). */
function about(resource: string | undefined): string {
  const r = JSON.stringify(resource ?? null);
  return `"resource":${r},"type":${r}`;
}

export function sessionFrame(id: string, resource: string | undefined): string {
  return `{"handler":"${MonoRailHandlers.session}",${about(resource)},"id":${JSON.stringify(id)}}`;
}

/** A list frame; `itemsJson` is JSON text of an array. */
export function listFrame(resource: string, itemsJson: string): string {
  return `{"handler":"${MonoRailHandlers.list}",${about(resource)},"items":${itemsJson}}`;
}

/** An item or remove frame; `idJson`/`dataJson` are JSON text. */
export function itemFrame(handler: "item" | "remove", resource: string, idJson: string, dataJson: string): string {
  return `{"handler":"${handler}",${about(resource)},"id":${idJson},"data":${dataJson}}`;
}

/** `{"handler":"error","resource","type","params":{"name","message"}}`. */
export function errorFrame(resource: string | undefined, name: string, message: string): string {
  return `{"handler":"${MonoRailHandlers.error}",${about(resource)},"params":${JSON.stringify({ name, message })}}`;
}

/**
 * JSON text of a value with object keys sorted at every depth: the identity
 * of a watcher's params, so `{"a":1,"b":2}` and `{"b":2,"a":1}` name the same
 * watcher (upstream compared JSON.stringify output, which depends on key order).
 */
export function canonicalJson(value: unknown, depth = 0): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (depth >= MAX_PARAMS_DEPTH) throw new RangeError(`params nest deeper than ${MAX_PARAMS_DEPTH} levels`);
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v, depth + 1)).join(",")}]`;
  const o = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(o).sort()) if (o[k] !== undefined) parts.push(`${JSON.stringify(k)}:${canonicalJson(o[k], depth + 1)}`);
  return `{${parts.join(",")}}`;
}

/** Levels of arrays and objects a watcher's params may nest. */
export const MAX_PARAMS_DEPTH = 32;

/**
 * Characters of a watcher's params as canonical JSON. A watcher keeps its
 * params and their JSON for as long as it lives, so they stay small: params
 * select what to watch, they do not carry data.
 */
export const MAX_WATCH_PARAMS_CHARS = 4096;
