/**
 * The web platform globals inside every handler context (types and docs:
 * runtime-api/web.d.ts), installed when the context is made, before user code:
 * URL, URLSearchParams, TextEncoder, TextDecoder, atob, btoa, structuredClone,
 * queueMicrotask, DOMException, crypto, fetch, Headers and Response. What needs
 * the host (URL parsing, randomness, hashing, HTTP) goes through the ops of
 * ops-names.ts; the rest is plain guest code over captured built-ins.
 */
import type { Kernel } from "../../guest/kernel.js";
import { atob, btoa } from "./guest/base64.js";
import { structuredClone } from "./guest/clone.js";
import { makeCrypto } from "./guest/crypto.js";
import { DOMException } from "./guest/dom-exception.js";
import { Headers, makeFetch, Response } from "./guest/fetch.js";
import { TextDecoder, TextEncoder } from "./guest/text-codec.js";
import { makeURL, URLSearchParams } from "./guest/url.js";

export default function web(exports: Record<string, unknown>, kernel: Kernel): void {
  const { defineProperty, g, TypeErrorCtor, later } = kernel.builtins;
  const { crypto, CryptoKey } = makeCrypto(kernel.call, kernel.promise);

  /** queueMicrotask(): the callback runs in this turn's microtasks; a throw is reported as the handler's fault. */
  function queueMicrotask(callback: unknown): void {
    if (typeof callback !== "function") throw new TypeErrorCtor("queueMicrotask: the callback must be a function");
    const c = kernel.current;
    const ev = { kind: "microtask", peerKind: c.peerKind, peerId: c.peerId, where: c.where, payload: "", code: 0 };
    later(() => {
      try {
        callback();
      } catch (e) {
        kernel.fault("queueMicrotask", ev, undefined, e);
      }
    });
  }

  const globals: Record<string, unknown> = {
    URL: makeURL(kernel.call),
    URLSearchParams,
    TextEncoder,
    TextDecoder,
    atob,
    btoa,
    structuredClone,
    queueMicrotask,
    DOMException,
    crypto,
    CryptoKey,
    fetch: makeFetch(kernel.promise),
    Headers,
    Response,
  };
  // The module has them too: require("aerostat/web") gives the originals, whatever a script did to the globals.
  const names = kernel.builtins.keys(globals);
  for (let i = 0; i < names.length; i++) {
    defineProperty(g, names[i]!, { value: globals[names[i]!], writable: true, configurable: true });
    exports[names[i]!] = globals[names[i]!];
  }
}
