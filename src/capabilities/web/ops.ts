import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { DeferredOp, ImmediateOp, OpContext, Primitive } from "../../ops/capability.js";
import { fetchOp } from "./fetch-op.js";
import { WEB_HASHES, WebLimits, WebOps, type UrlParts } from "./ops-names.js";

function immediate(name: string, run: (ctx: OpContext, args: readonly Primitive[]) => unknown): ImmediateOp {
  return { mode: "immediate", name, run };
}

function deferred(name: string, run: (args: unknown[]) => unknown): DeferredOp {
  return {
    mode: "deferred",
    name,
    run: async (_ctx, args) => run(Array.isArray(args) ? args : []),
  };
}

function partsOf(url: URL): UrlParts {
  const { href, origin, protocol, username, password, host, hostname, port, pathname, search, hash } = url;
  return { href, origin, protocol, username, password, host, hostname, port, pathname, search, hash };
}

const SETTABLE = new Set(["href", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "hash"]);

/** Node's hash name of a WebCrypto hash name; throws a NotSupportedError for others. */
function nodeHash(api: string, hash: unknown): string {
  const name = String(hash);
  if (!(WEB_HASHES as readonly string[]).includes(name)) {
    throw Object.assign(new Error(`${api}: hash "${name}" is not supported; use ${WEB_HASHES.join(", ")}`), { name: "NotSupportedError" });
  }
  return name.replace("-", "").toLowerCase();
}

/** Bytes of a base64 argument, at most maxCryptoInputBytes. */
function bytes(api: string, what: string, value: unknown): Buffer {
  if (typeof value !== "string") throw new TypeError(`${api}: ${what} must be bytes`);
  const max = WebLimits.maxCryptoInputBytes;
  if (value.length > Math.ceil(max / 3) * 4) throw new RangeError(`${api}: ${what} is over ${max} bytes; pass at most ${max}`);
  return Buffer.from(value, "base64");
}

export const webOps = [
  immediate(WebOps.urlParse, (_ctx, [input, base]) => {
    const parsed = base === null || base === undefined ? URL.parse(String(input)) : URL.parse(String(input), String(base));
    return parsed ? partsOf(parsed) : null;
  }),
  immediate(WebOps.urlSet, (_ctx, [href, component, value]) => {
    const url = URL.parse(String(href));
    if (!url || !SETTABLE.has(String(component))) return null;
    if (component === "href") {
      const next = URL.parse(String(value));
      return next ? partsOf(next) : null;
    }
    (url as unknown as Record<string, string>)[String(component)] = String(value);
    return partsOf(url);
  }),
  immediate(WebOps.random, (_ctx, [count]) => {
    const n = Number(count);
    if (!Number.isInteger(n) || n < 0 || n > WebLimits.maxRandomBytes) throw new RangeError(`random bytes: 0 to ${WebLimits.maxRandomBytes} at a time`);
    return randomBytes(n).toString("base64");
  }),
  deferred(WebOps.digest, ([hash, data]) =>
    createHash(nodeHash("crypto.subtle.digest", hash)).update(bytes("crypto.subtle.digest", "data", data)).digest("base64"),
  ),
  deferred(WebOps.hmacSign, ([hash, key, data]) =>
    createHmac(nodeHash("crypto.subtle.sign", hash), bytes("crypto.subtle.sign", "the key", key))
      .update(bytes("crypto.subtle.sign", "data", data))
      .digest("base64"),
  ),
  deferred(WebOps.hmacVerify, ([hash, key, signature, data]) => {
    const expected = createHmac(nodeHash("crypto.subtle.verify", hash), bytes("crypto.subtle.verify", "the key", key))
      .update(bytes("crypto.subtle.verify", "data", data))
      .digest();
    const given = bytes("crypto.subtle.verify", "the signature", signature);
    // Lengths are public (they follow from the hash); the bytes are compared in constant time.
    return given.length === expected.length && timingSafeEqual(given, expected);
  }),
  fetchOp,
];
