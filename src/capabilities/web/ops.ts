import { randomBytes, webcrypto } from "node:crypto";
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

/** A WebCrypto hash name this runtime supports; throws a NotSupportedError for others. */
function webHash(api: string, hash: unknown): string {
  const name = String(hash);
  if (!(WEB_HASHES as readonly string[]).includes(name)) {
    throw Object.assign(new Error(`${api}: hash "${name}" is not supported; use ${WEB_HASHES.join(", ")}`), { name: "NotSupportedError" });
  }
  return name;
}

/**
 * An HMAC key for Node's WebCrypto. Digests, signatures and checks run there:
 * on libuv's thread pool, never on the host's event loop, however many a
 * script asks for in one event.
 */
function hmacKey(api: string, hash: unknown, key: unknown, use: "sign" | "verify"): Promise<webcrypto.CryptoKey> {
  return webcrypto.subtle.importKey("raw", bytes(api, "the key", key), { name: "HMAC", hash: webHash(api, hash) }, false, [use]);
}

const base64 = (buffer: ArrayBuffer) => Buffer.from(buffer).toString("base64");

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
  deferred(WebOps.digest, async ([hash, data]) =>
    base64(await webcrypto.subtle.digest(webHash("crypto.subtle.digest", hash), bytes("crypto.subtle.digest", "data", data))),
  ),
  deferred(WebOps.hmacSign, async ([hash, key, data]) =>
    base64(await webcrypto.subtle.sign("HMAC", await hmacKey("crypto.subtle.sign", hash, key, "sign"), bytes("crypto.subtle.sign", "data", data))),
  ),
  // WebCrypto compares the signature in constant time.
  deferred(WebOps.hmacVerify, async ([hash, key, signature, data]) =>
    webcrypto.subtle.verify(
      "HMAC",
      await hmacKey("crypto.subtle.verify", hash, key, "verify"),
      bytes("crypto.subtle.verify", "the signature", signature),
      bytes("crypto.subtle.verify", "data", data),
    ),
  ),
  fetchOp,
];
