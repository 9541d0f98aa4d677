import type { Capability } from "../../ops/capability.js";
import { webOps } from "./ops.js";

/**
 * The web platform globals of browsers and Workers inside every handler
 * context: URL, URLSearchParams, TextEncoder, TextDecoder, atob, btoa,
 * structuredClone, queueMicrotask, DOMException, crypto (getRandomValues,
 * randomUUID, subtle for SHA-2 digests and HMAC), fetch, Headers and Response.
 * The guest code (guest.ts, guest/) installs them before user code runs; the
 * host answers URL parsing, randomness, hashing and HTTP through the ops here.
 * Their types are runtime-api/web.d.ts.
 */
export const web: Capability = {
  name: "web",
  module: "aerostat/web",
  events: {},
  ops: webOps,
};
