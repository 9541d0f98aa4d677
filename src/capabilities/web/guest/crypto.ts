import { WEB_HASHES, WebLimits, WebOps } from "../ops-names.js";
import { decodeBase64, encodeBase64 } from "./base64.js";
import { domError } from "./dom-exception.js";
import { awaitable, platformError } from "./host-promise.js";
import { bufferOf, copyOf, freeze, isArray, push, RangeErrorCtor, setBytes, StringCtor, typedArrayName, TypeErrorCtor, Uint8ArrayCtor, upper, viewBytes } from "./prims.js";

type HostCall = (op: string, args: (string | number | boolean | null)[]) => unknown;
type HostPromise = (op: string, args: unknown) => Promise<unknown>;

const INTEGER_ARRAYS = ["Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array", "BigInt64Array", "BigUint64Array"];
const HEX = "0123456789abcdef";

/** A BufferSource's bytes as base64, at most maxCryptoInputBytes; a TypeError or RangeError naming `what` otherwise. */
function input(api: string, what: string, data: unknown): string {
  const bytes = copyOf(data);
  if (!bytes) throw new TypeErrorCtor(`${api}: ${what} must be an ArrayBuffer, a typed array or a DataView`);
  const max = WebLimits.maxCryptoInputBytes;
  if (bytes.length > max) throw new RangeErrorCtor(`${api}: ${what} is ${bytes.length} bytes, over the limit of ${max}`);
  return encodeBase64(bytes);
}

function bytesOf(base64: unknown): Uint8Array {
  return decodeBase64(StringCtor(base64)) ?? new Uint8ArrayCtor(0);
}

/** A hash given as "SHA-256" or { name: "SHA-256" }, by its WebCrypto name; NotSupportedError for others. */
function hashName(api: string, hash: unknown): string {
  const raw = typeof hash === "object" && hash !== null ? (hash as { name?: unknown }).name : hash;
  const name = upper(StringCtor(raw));
  for (let i = 0; i < WEB_HASHES.length; i++) if (WEB_HASHES[i] === name) return name;
  throw domError("NotSupportedError", `${api}: hash "${StringCtor(raw)}" is not supported; use ${WEB_HASHES.join(", ")}`);
}

function algorithmName(algorithm: unknown): string {
  return upper(StringCtor(typeof algorithm === "object" && algorithm !== null ? (algorithm as { name?: unknown }).name : algorithm));
}

/** Bits of an HMAC key generateKey makes by default: the hash's block size. */
const blockBits = (hash: string) => (hash === "SHA-384" || hash === "SHA-512" ? 1024 : 512);

/** The web crypto of a handler context: getRandomValues, randomUUID and subtle (SHA digests, HMAC). */
export function makeCrypto(call: HostCall, promise: HostPromise) {
  const random = (count: number) => bytesOf(call(WebOps.random, [count]));
  let pool: Uint8Array = new Uint8ArrayCtor(0);
  let used = 0;

  const keyToken = {};
  /** A CryptoKey: its bytes stay in a private field, never on the object. */
  class CryptoKey {
    readonly #bytes: Uint8Array;
    readonly #hash: string;
    readonly #extractable: boolean;
    readonly #usages: string[];
    constructor(token: unknown, bytes: Uint8Array, hash: string, extractable: boolean, usages: string[]) {
      if (token !== keyToken) throw new TypeErrorCtor("Illegal constructor: CryptoKeys come from crypto.subtle.importKey() or generateKey()");
      this.#bytes = bytes;
      this.#hash = hash;
      this.#extractable = extractable;
      this.#usages = usages;
    }
    get type() {
      return "secret";
    }
    get extractable() {
      return this.#extractable;
    }
    get algorithm() {
      return { name: "HMAC", hash: { name: this.#hash }, length: this.#bytes.length * 8 };
    }
    get usages() {
      const out: string[] = [];
      for (let i = 0; i < this.#usages.length; i++) push(out, this.#usages[i]!);
      return out;
    }
    static bytes(key: unknown, api: string, usage: string): { bytes: Uint8Array; hash: string } {
      if (typeof key !== "object" || key === null || !(#bytes in key)) throw new TypeErrorCtor(`${api}: key must be a CryptoKey`);
      let allowed = false;
      for (let i = 0; i < key.#usages.length; i++) if (key.#usages[i] === usage) allowed = true;
      if (usage !== "export" && !allowed) throw domError("InvalidAccessError", `${api}: the key's usages do not include "${usage}"`);
      if (usage === "export" && !key.#extractable) throw domError("InvalidAccessError", `${api}: the key is not extractable`);
      return { bytes: key.#bytes, hash: key.#hash };
    }
  }

  function usagesOf(api: string, usages: unknown): string[] {
    if (!isArray(usages)) throw new TypeErrorCtor(`${api}: keyUsages must be an array`);
    const out: string[] = [];
    for (let i = 0; i < usages.length; i++) {
      const u = StringCtor(usages[i]);
      if (u !== "sign" && u !== "verify") throw domError("SyntaxError", `${api}: an HMAC key's usages are "sign" and "verify", not "${u}"`);
      push(out, u);
    }
    if (out.length === 0) throw domError("SyntaxError", `${api}: keyUsages must not be empty`);
    return out;
  }

  function hmacKey(api: string, algorithm: unknown): { hash: string; length: number | undefined } {
    if (algorithmName(algorithm) !== "HMAC") throw domError("NotSupportedError", `${api}: only HMAC keys are supported, got "${StringCtor(algorithmName(algorithm))}"`);
    const a = algorithm as { hash?: unknown; length?: unknown };
    if (a.hash === undefined) throw new TypeErrorCtor(`${api}: the algorithm needs a hash, e.g. { name: "HMAC", hash: "SHA-256" }`);
    return { hash: hashName(api, a.hash), length: a.length === undefined ? undefined : +(a.length as number) };
  }

  function checkHmac(api: string, algorithm: unknown): void {
    if (algorithmName(algorithm) !== "HMAC") throw domError("NotSupportedError", `${api}: only HMAC is supported, got "${algorithmName(algorithm)}"`);
  }

  const subtle = freeze({
    async digest(algorithm: unknown, data: unknown): Promise<ArrayBuffer> {
      const hash = hashName("crypto.subtle.digest", algorithm);
      const base64 = input("crypto.subtle.digest", "data", data);
      try {
        return bufferOf(bytesOf(await awaitable(promise(WebOps.digest, [hash, base64]))));
      } catch (e) {
        throw platformError(e);
      }
    },
    async importKey(format: unknown, keyData: unknown, algorithm: unknown, extractable: unknown, keyUsages: unknown): Promise<CryptoKey> {
      const api = "crypto.subtle.importKey";
      if (format !== "raw") throw domError("NotSupportedError", `${api}: format "${StringCtor(format)}" is not supported; use "raw"`);
      const { hash, length } = hmacKey(api, algorithm);
      const bytes = copyOf(keyData);
      if (!bytes) throw new TypeErrorCtor(`${api}: keyData must be an ArrayBuffer, a typed array or a DataView`);
      if (bytes.length === 0) throw domError("DataError", `${api}: the key is empty`);
      if (bytes.length > WebLimits.maxCryptoInputBytes) throw new RangeErrorCtor(`${api}: the key is over ${WebLimits.maxCryptoInputBytes} bytes`);
      if (length !== undefined && length !== bytes.length * 8) throw domError("DataError", `${api}: length ${length} does not match the key's ${bytes.length * 8} bits`);
      return new CryptoKey(keyToken, bytes, hash, !!extractable, usagesOf(api, keyUsages));
    },
    async generateKey(algorithm: unknown, extractable: unknown, keyUsages: unknown): Promise<CryptoKey> {
      const api = "crypto.subtle.generateKey";
      const { hash, length } = hmacKey(api, algorithm);
      const bits = length ?? blockBits(hash);
      if (!(bits > 0 && bits % 8 === 0 && bits <= 8 * WebLimits.maxRandomBytes)) throw domError("OperationError", `${api}: length must be a positive multiple of 8`);
      return new CryptoKey(keyToken, random(bits / 8), hash, !!extractable, usagesOf(api, keyUsages));
    },
    async exportKey(format: unknown, key: unknown): Promise<ArrayBuffer> {
      const api = "crypto.subtle.exportKey";
      if (format !== "raw") throw domError("NotSupportedError", `${api}: format "${StringCtor(format)}" is not supported; use "raw"`);
      return bufferOf(copyOf(CryptoKey.bytes(key, api, "export").bytes)!);
    },
    async sign(algorithm: unknown, key: unknown, data: unknown): Promise<ArrayBuffer> {
      const api = "crypto.subtle.sign";
      checkHmac(api, algorithm);
      const k = CryptoKey.bytes(key, api, "sign");
      const base64 = input(api, "data", data);
      try {
        return bufferOf(bytesOf(await awaitable(promise(WebOps.hmacSign, [k.hash, encodeBase64(k.bytes), base64]))));
      } catch (e) {
        throw platformError(e);
      }
    },
    async verify(algorithm: unknown, key: unknown, signature: unknown, data: unknown): Promise<boolean> {
      const api = "crypto.subtle.verify";
      checkHmac(api, algorithm);
      const k = CryptoKey.bytes(key, api, "verify");
      const sig = input(api, "signature", signature);
      const base64 = input(api, "data", data);
      try {
        return (await awaitable(promise(WebOps.hmacVerify, [k.hash, encodeBase64(k.bytes), sig, base64]))) === true;
      } catch (e) {
        throw platformError(e);
      }
    },
  });

  const crypto = freeze({
    getRandomValues<T>(array: T): T {
      const name = typedArrayName(array);
      let integer = false;
      for (let i = 0; i < INTEGER_ARRAYS.length; i++) if (INTEGER_ARRAYS[i] === name) integer = true;
      if (!integer) throw domError("TypeMismatchError", "crypto.getRandomValues: the argument must be an integer typed array (Uint8Array, Int32Array, ...)");
      const view = viewBytes(array)!;
      if (view.length > WebLimits.maxRandomBytes) {
        throw domError("QuotaExceededError", `crypto.getRandomValues: ${view.length} bytes asked, at most ${WebLimits.maxRandomBytes} at a time`);
      }
      setBytes(view, random(view.length));
      return array;
    },
    randomUUID(): string {
      if (used + 16 > pool.length) {
        pool = random(256);
        used = 0;
      }
      const b = new Uint8ArrayCtor(16);
      for (let i = 0; i < 16; i++) b[i] = pool[used + i]!;
      // The pool's bytes are used once.
      for (let i = 0; i < 16; i++) pool[used + i] = 0;
      used += 16;
      b[6] = (b[6]! & 0x0f) | 0x40;
      b[8] = (b[8]! & 0x3f) | 0x80;
      let out = "";
      for (let i = 0; i < 16; i++) {
        if (i === 4 || i === 6 || i === 8 || i === 10) out += "-";
        out += HEX[b[i]! >> 4]! + HEX[b[i]! & 15]!;
      }
      return out;
    },
    subtle,
  });
  return { crypto, CryptoKey };
}
