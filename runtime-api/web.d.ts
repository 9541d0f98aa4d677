/**
 * Web platform globals every handler context has, with the semantics of
 * browsers and Workers (README, Web platform APIs). They are also the exports
 * of `require("aerostat/web")`, which gives the originals whatever a script
 * did to the globals.
 */

/**
 * A parsed URL (WHATWG), as in browsers; setting a part re-parses the whole.
 * @example
 * const u = new URL("/api?x=1", "https://example.com");
 * u.searchParams.set("y", "2"); // u.href === "https://example.com/api?x=1&y=2"
 */
declare class URL {
  /**
   * Parses `url`, relative to `base` when given; throws a TypeError when it is not a URL.
   * @example
   * const u = new URL("../b", "http://h.test/a/c"); // http://h.test/b
   */
  constructor(url: string | URL, base?: string | URL);
  /**
   * Whether `url` (relative to `base`) parses.
   * @example
   * if (!URL.canParse(text)) return "not a URL";
   */
  static canParse(url: string | URL, base?: string | URL): boolean;
  /**
   * The parsed URL, or null instead of a throw.
   * @example
   * const u = URL.parse(text) ?? new URL("http://localhost/");
   */
  static parse(url: string | URL, base?: string | URL): URL | null;
  /** The whole URL. @example u.href = "https://example.com/other"; */
  href: string;
  /** Scheme, host and port: "https://example.com:8443". @example if (u.origin !== "https://example.com") return; */
  readonly origin: string;
  /** The scheme with its colon: "https:". @example if (u.protocol === "http:") u.protocol = "https:"; */
  protocol: string;
  /** @example const who = u.username; */
  username: string;
  /** @example u.password = ""; */
  password: string;
  /** Host name and port: "example.com:8443". @example console.log(u.host); */
  host: string;
  /** Host name alone. @example if (u.hostname.endsWith(".example.com")) ok(); */
  hostname: string;
  /** The port, "" for the scheme's default. @example u.port = "8080"; */
  port: string;
  /** The path: "/a/b". @example const parts = u.pathname.split("/"); */
  pathname: string;
  /** The query with its "?", or "". @example u.search = "?page=2"; */
  search: string;
  /** The fragment with its "#", or "". @example u.hash = ""; */
  hash: string;
  /** The query as URLSearchParams, kept in step with the URL. @example const page = u.searchParams.get("page"); */
  readonly searchParams: URLSearchParams;
  /** The href. @example connection.send(u.toString()); */
  toString(): string;
  /** The href (JSON.stringify writes URLs as strings). @example JSON.stringify({ u }); */
  toJSON(): string;
}

/**
 * A query string's name/value pairs (application/x-www-form-urlencoded).
 * @example
 * const p = new URLSearchParams({ q: "two words", page: "1" });
 * p.toString(); // "q=two+words&page=1"
 */
declare class URLSearchParams implements Iterable<[string, string]> {
  /**
   * From a query string (with or without "?"), pairs, or an object.
   * @example
   * new URLSearchParams("?a=1&b=2"); new URLSearchParams([["a", "1"]]); new URLSearchParams({ a: "1" });
   */
  constructor(init?: string | Iterable<[string, string]> | Record<string, string> | URLSearchParams);
  /** The number of pairs. @example if (p.size === 0) return; */
  readonly size: number;
  /** Adds a pair. @example p.append("tag", "a"); */
  append(name: string, value: string): void;
  /** Removes every pair of `name` (or only those with `value`). @example p.delete("page"); */
  delete(name: string, value?: string): void;
  /** The first value of `name`, or null. @example const q = p.get("q") ?? ""; */
  get(name: string): string | null;
  /** Every value of `name`. @example const tags = p.getAll("tag"); */
  getAll(name: string): string[];
  /** Whether `name` (with `value`, if given) is there. @example if (p.has("debug")) log(); */
  has(name: string, value?: string): boolean;
  /** Sets `name` to one value. @example p.set("page", "2"); */
  set(name: string, value: string): void;
  /** Sorts by name, stably. @example p.sort(); */
  sort(): void;
  /** The query string without "?". @example const query = "?" + p.toString(); */
  toString(): string;
  /** Calls `callback` for each pair. @example p.forEach((value, name) => console.log(name, value)); */
  forEach(callback: (value: string, name: string, params: URLSearchParams) => void, thisArg?: unknown): void;
  /** The pairs. @example for (const [name, value] of p.entries()) console.log(name, value); */
  entries(): IterableIterator<[string, string]>;
  /** The names. @example const names = [...p.keys()]; */
  keys(): IterableIterator<string>;
  /** The values. @example const values = [...p.values()]; */
  values(): IterableIterator<string>;
  /** The pairs. @example for (const [name, value] of p) console.log(name, value); */
  [Symbol.iterator](): IterableIterator<[string, string]>;
}

/**
 * Strings to UTF-8 bytes.
 * @example
 * const bytes = new TextEncoder().encode("héllo"); // Uint8Array(6)
 */
declare class TextEncoder {
  /** Always "utf-8". @example console.log(new TextEncoder().encoding); */
  readonly encoding: "utf-8";
  /** UTF-8 bytes of `input` (lone surrogates become U+FFFD). @example connection.send(new TextEncoder().encode("hi").buffer); */
  encode(input?: string): Uint8Array;
  /** Writes what fits into `destination`; says how many UTF-16 units it read and bytes it wrote. @example const { read, written } = enc.encodeInto("hi", buf); */
  encodeInto(source: string, destination: Uint8Array): { read: number; written: number };
}

/**
 * UTF-8 bytes to strings (only UTF-8 and its labels).
 * @example
 * const text = new TextDecoder().decode(bytes);
 */
declare class TextDecoder {
  /**
   * `fatal`: throw a TypeError on invalid UTF-8 instead of writing U+FFFD; `ignoreBOM`: keep a leading BOM.
   * @example
   * const strict = new TextDecoder("utf-8", { fatal: true });
   */
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  /** Always "utf-8". @example console.log(dec.encoding); */
  readonly encoding: "utf-8";
  /** @example if (dec.fatal) console.log("strict"); */
  readonly fatal: boolean;
  /** @example if (dec.ignoreBOM) console.log("keeps BOMs"); */
  readonly ignoreBOM: boolean;
  /** Decodes; with `{ stream: true }`, an incomplete sequence at the end waits for the next call. @example const part = dec.decode(chunk, { stream: true }); */
  decode(input?: ArrayBuffer | ArrayBufferView, options?: { stream?: boolean }): string;
}

/**
 * The errors web APIs throw, with a `name` such as "InvalidCharacterError" and a legacy `code`.
 * @example
 * try { atob("*"); } catch (e) { if (e instanceof DOMException && e.name === "InvalidCharacterError") return "bad base64"; }
 */
declare class DOMException extends Error {
  /** @example throw new DOMException("no such key", "NotFoundError"); */
  constructor(message?: string, name?: string);
  /** @example if (e.name === "QuotaExceededError") split(); */
  readonly name: string;
  /** The legacy code (5 for InvalidCharacterError, 22 for QuotaExceededError, 25 for DataCloneError, 0 for new names). @example console.log(e.code); */
  readonly code: number;
}

/** Base64 of a string of characters U+0000–U+00FF; throws an InvalidCharacterError for others. @example const token = btoa("user:pass"); */
declare function btoa(data: string): string;
/** The string a base64 text encodes (whitespace ignored); throws an InvalidCharacterError when it is not base64. @example const raw = atob("aGk="); // "hi" */
declare function atob(data: string): string;
/**
 * A deep copy (HTML structured clone): cycles, Date, RegExp, Map, Set, ArrayBuffer, typed arrays, DataView, Error;
 * functions and symbols throw a DataCloneError. `transfer` is not supported.
 * @example
 * const copy = structuredClone(state);
 */
declare function structuredClone<T>(value: T, options?: { transfer?: [] }): T;
/** Runs `callback` in this turn's microtasks; a throw is reported as the handler's fault. @example queueMicrotask(() => connection.send("after this event's code")); */
declare function queueMicrotask(callback: () => void): void;

/**
 * An HMAC key from crypto.subtle.importKey() or generateKey(); its bytes never appear on the object.
 * @example
 * const key = await crypto.subtle.importKey("raw", new TextEncoder().encode("secret"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
 */
declare interface CryptoKey {
  /** Always "secret". @example console.log(key.type); */
  readonly type: "secret";
  /** Whether exportKey() may give its bytes. @example if (key.extractable) await crypto.subtle.exportKey("raw", key); */
  readonly extractable: boolean;
  /** @example console.log(key.algorithm.hash.name); // "SHA-256" */
  readonly algorithm: { name: "HMAC"; hash: { name: string }; length: number };
  /** @example if (key.usages.includes("verify")) check(); */
  readonly usages: ("sign" | "verify")[];
}

/** A hash for crypto.subtle: "SHA-1", "SHA-256", "SHA-384" or "SHA-512", or { name }. */
type AerostatHash = "SHA-1" | "SHA-256" | "SHA-384" | "SHA-512" | { name: "SHA-1" | "SHA-256" | "SHA-384" | "SHA-512" };

/**
 * Web Crypto, computed by the host: randomness, SHA digests and HMAC. Inputs are at most 1 MiB.
 * @example
 * const id = crypto.randomUUID();
 */
declare var crypto: {
  /** Fills an integer typed array with random values (at most 65536 bytes; QuotaExceededError beyond). @example const nonce = crypto.getRandomValues(new Uint8Array(16)); */
  getRandomValues<T extends Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array>(array: T): T;
  /** A random version 4 UUID. @example const id = crypto.randomUUID(); */
  randomUUID(): string;
  /** SHA digests and HMAC keys, signatures and checks; each returns a Promise. @example const hash = await crypto.subtle.digest("SHA-256", bytes); */
  readonly subtle: {
    /** The digest of `data`. @example const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode("hi"))); */
    digest(algorithm: AerostatHash, data: ArrayBuffer | ArrayBufferView): Promise<ArrayBuffer>;
    /** An HMAC key from raw bytes. @example const key = await crypto.subtle.importKey("raw", secretBytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]); */
    importKey(format: "raw", keyData: ArrayBuffer | ArrayBufferView, algorithm: { name: "HMAC"; hash: AerostatHash; length?: number }, extractable: boolean, keyUsages: ("sign" | "verify")[]): Promise<CryptoKey>;
    /** A new random HMAC key (the hash's block size unless `length` bits). @example const key = await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, true, ["sign"]); */
    generateKey(algorithm: { name: "HMAC"; hash: AerostatHash; length?: number }, extractable: boolean, keyUsages: ("sign" | "verify")[]): Promise<CryptoKey>;
    /** The bytes of an extractable key. @example const raw = await crypto.subtle.exportKey("raw", key); */
    exportKey(format: "raw", key: CryptoKey): Promise<ArrayBuffer>;
    /** The HMAC of `data`. @example const sig = await crypto.subtle.sign("HMAC", key, bytes); */
    sign(algorithm: "HMAC" | { name: "HMAC" }, key: CryptoKey, data: ArrayBuffer | ArrayBufferView): Promise<ArrayBuffer>;
    /** Whether `signature` is the HMAC of `data` (compared in constant time). @example if (!(await crypto.subtle.verify("HMAC", key, sig, bytes))) return "forged"; */
    verify(algorithm: "HMAC" | { name: "HMAC" }, key: CryptoKey, signature: ArrayBuffer | ArrayBufferView, data: ArrayBuffer | ArrayBufferView): Promise<boolean>;
  };
};

/** What a request or response body may be. */
type AerostatBody = string | ArrayBuffer | ArrayBufferView | URLSearchParams | null;

/**
 * HTTP headers: names case-insensitive, repeated values joined with ", " (Set-Cookie kept apart).
 * @example
 * const h = new Headers({ "Content-Type": "application/json" });
 */
declare class Headers implements Iterable<[string, string]> {
  /** @example new Headers([["accept", "text/plain"]]); */
  constructor(init?: Headers | [string, string][] | Record<string, string>);
  /** Adds a value. @example h.append("Accept", "text/html"); */
  append(name: string, value: string): void;
  /** Removes a header. @example h.delete("cookie"); */
  delete(name: string): void;
  /** The values of `name` joined with ", ", or null. @example const type = res.headers.get("content-type"); */
  get(name: string): string | null;
  /** Each Set-Cookie value. @example const cookies = res.headers.getSetCookie(); */
  getSetCookie(): string[];
  /** @example if (res.headers.has("etag")) remember(); */
  has(name: string): boolean;
  /** Replaces a header. @example h.set("Authorization", "Bearer " + token); */
  set(name: string, value: string): void;
  /** Calls `callback` per header, sorted by name. @example res.headers.forEach((value, name) => console.log(name, value)); */
  forEach(callback: (value: string, name: string, headers: Headers) => void, thisArg?: unknown): void;
  /** @example for (const [name, value] of res.headers.entries()) console.log(name, value); */
  entries(): IterableIterator<[string, string]>;
  /** @example const names = [...res.headers.keys()]; */
  keys(): IterableIterator<string>;
  /** @example const values = [...res.headers.values()]; */
  values(): IterableIterator<string>;
  /** @example for (const [name, value] of res.headers) console.log(name, value); */
  [Symbol.iterator](): IterableIterator<[string, string]>;
}

/**
 * An HTTP response: what fetch() resolves with (or one made by hand). The body is read once.
 * @example
 * const res = await fetch("https://api.example.com/items");
 * if (res.ok) connection.send(JSON.stringify(await res.json()));
 */
declare class Response {
  /** @example const r = new Response("hi", { status: 201, headers: { "x-a": "1" } }); */
  constructor(body?: AerostatBody, init?: { status?: number; statusText?: string; headers?: Headers | [string, string][] | Record<string, string> });
  /** A response whose body is `data` as JSON. @example const r = Response.json({ ok: true }); */
  static json(data: unknown, init?: { status?: number; statusText?: string; headers?: Headers | [string, string][] | Record<string, string> }): Response;
  /** @example if (res.status === 404) return null; */
  readonly status: number;
  /** Whether the status is 200–299. @example if (!res.ok) throw new Error("HTTP " + res.status); */
  readonly ok: boolean;
  /** @example console.log(res.statusText); */
  readonly statusText: string;
  /** @example const type = res.headers.get("content-type"); */
  readonly headers: Headers;
  /** The final URL, after redirects. @example console.log(res.url); */
  readonly url: string;
  /** Whether a redirect was followed. @example if (res.redirected) console.log("moved to", res.url); */
  readonly redirected: boolean;
  /** "basic" for fetched responses, "default" for made ones. @example console.log(res.type); */
  readonly type: string;
  /** Whether the body was read. @example if (!res.bodyUsed) await res.text(); */
  readonly bodyUsed: boolean;
  /** The body as text (UTF-8). @example const html = await res.text(); */
  text(): Promise<string>;
  /** The body parsed as JSON. @example const data = await res.json(); */
  json(): Promise<any>;
  /** The body's bytes. @example const buf = await res.arrayBuffer(); */
  arrayBuffer(): Promise<ArrayBuffer>;
  /** The body's bytes as a Uint8Array. @example const bytes = await res.bytes(); */
  bytes(): Promise<Uint8Array>;
  /** A copy whose body can be read separately. @example const copy = res.clone(); */
  clone(): Response;
}

/**
 * An HTTP(S) request made by the host, to hosts on the outbound allowlist only
 * (`--allow-outbound`, option outboundHosts; others reject with a TypeError).
 * Redirects are followed (at most 5, each checked against the allowlist); the
 * request body is at most 1 MiB, the response at most 5 MiB (a RangeError
 * beyond); after `timeout` ms (default 10000, at most 60000) it rejects with a
 * TimeoutError. A handler module has at most 16 fetches in flight.
 * @example
 * const res = await fetch("https://api.example.com/items", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(item) });
 */
declare function fetch(
  input: string | URL | { url: string; method?: string; headers?: Headers | [string, string][] | Record<string, string>; body?: AerostatBody },
  init?: {
    method?: string;
    headers?: Headers | [string, string][] | Record<string, string>;
    body?: AerostatBody;
    /** ms before the request rejects with a TimeoutError (default 10000, at most 60000). */
    timeout?: number;
    /** "follow" (default), "manual" (a redirect is the response), or "error". */
    redirect?: "follow" | "manual" | "error";
  },
): Promise<Response>;
