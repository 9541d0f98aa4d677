import { WebLimits, WebOps, type FetchAnswer, type FetchRequest } from "../ops-names.js";
import { decodeBase64, encodeBase64 } from "./base64.js";
import { awaitable, platformError } from "./host-promise.js";
import { decodeUtf8, utf8Encode } from "./text-codec.js";
import { URLSearchParams } from "./url.js";
import { apply, bufferOf, charCodeAt, copyOf, isArray, iteratorSymbol, keys, lower, parseJson, push, RangeErrorCtor, slice, StringCtor, test, TypeErrorCtor, Uint8ArrayCtor, upper } from "./prims.js";

type HostPromise = (op: string, args: unknown) => Promise<unknown>;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BAD_VALUE = /[\r\n\0]/;

/** Trims HTTP whitespace (space, tab, CR, LF) from a header value. */
function trimValue(value: string): string {
  let a = 0;
  let b = value.length;
  const ws = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
  while (a < b && ws(charCodeAt(value, a))) a++;
  while (b > a && ws(charCodeAt(value, b - 1))) b--;
  return slice(value, a, b);
}

/** Headers as in fetch: case-insensitive names, values of one name joined with ", " (Set-Cookie kept apart). */
export class Headers {
  #list: [string, string][] = [];

  constructor(init: unknown = undefined) {
    if (init === undefined || init === null) return;
    if (typeof init !== "object") throw new TypeErrorCtor("Headers: init must be a Headers, an array of [name, value] pairs, or an object");
    if (#list in init) {
      const list = init.#list;
      for (let i = 0; i < list.length; i++) push(this.#list, [list[i]![0], list[i]![1]]);
      return;
    }
    if (typeof (init as { [Symbol.iterator]?: unknown })[iteratorSymbol] === "function") {
      for (const pair of init as Iterable<unknown>) {
        const p = isArray(pair) ? pair : [...(pair as Iterable<unknown>)];
        if (p.length !== 2) throw new TypeErrorCtor("Headers: each header must be a [name, value] pair");
        this.append(p[0], p[1]);
      }
      return;
    }
    const names = keys(init);
    for (let i = 0; i < names.length; i++) this.append(names[i], (init as Record<string, unknown>)[names[i]!]);
  }

  static #check(name: unknown, value: unknown): [string, string] {
    const n = `${name as string}`;
    const v = trimValue(`${value as string}`);
    if (!test(TOKEN, n)) throw new TypeErrorCtor(`Headers: "${slice(n, 0, 100)}" is not a valid header name`);
    if (test(BAD_VALUE, v)) throw new TypeErrorCtor(`Headers: the value of "${n}" may not contain line breaks or NUL`);
    return [lower(n), v];
  }

  append(name: unknown, value: unknown): void {
    const pair = Headers.#check(name, value);
    if (this.#list.length >= WebLimits.maxFetchHeaders * 10) throw new RangeErrorCtor("Headers: too many headers");
    push(this.#list, pair);
  }
  delete(name: unknown): void {
    const n = lower(`${name as string}`);
    const kept: [string, string][] = [];
    for (let i = 0; i < this.#list.length; i++) if (this.#list[i]![0] !== n) push(kept, this.#list[i]!);
    this.#list = kept;
  }
  get(name: unknown): string | null {
    const n = lower(`${name as string}`);
    let out: string | null = null;
    for (let i = 0; i < this.#list.length; i++) if (this.#list[i]![0] === n) out = out === null ? this.#list[i]![1] : out + ", " + this.#list[i]![1];
    return out;
  }
  getSetCookie(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.#list.length; i++) if (this.#list[i]![0] === "set-cookie") push(out, this.#list[i]![1]);
    return out;
  }
  has(name: unknown): boolean {
    const n = lower(`${name as string}`);
    for (let i = 0; i < this.#list.length; i++) if (this.#list[i]![0] === n) return true;
    return false;
  }
  set(name: unknown, value: unknown): void {
    const pair = Headers.#check(name, value);
    this.delete(pair[0]);
    push(this.#list, pair);
  }
  /** The combined headers, sorted by name (set-cookie values kept apart). */
  #sorted(): [string, string][] {
    const names: string[] = [];
    for (let i = 0; i < this.#list.length; i++) {
      const n = this.#list[i]![0];
      let seen = false;
      for (let j = 0; j < names.length; j++) if (names[j] === n) seen = true;
      if (!seen) push(names, n);
    }
    for (let i = 1; i < names.length; i++) {
      const item = names[i]!;
      let j = i - 1;
      while (j >= 0 && names[j]! > item) {
        names[j + 1] = names[j]!;
        j--;
      }
      names[j + 1] = item;
    }
    const out: [string, string][] = [];
    for (let i = 0; i < names.length; i++) {
      if (names[i] === "set-cookie") {
        const cookies = this.getSetCookie();
        for (let j = 0; j < cookies.length; j++) push(out, ["set-cookie", cookies[j]!]);
      } else push(out, [names[i]!, this.get(names[i])!]);
    }
    return out;
  }
  forEach(callback: (value: string, name: string, headers: Headers) => void, thisArg?: unknown): void {
    if (typeof callback !== "function") throw new TypeErrorCtor("Headers.forEach: the callback must be a function");
    const list = this.#sorted();
    for (let i = 0; i < list.length; i++) apply(callback, thisArg, [list[i]![1], list[i]![0], this]);
  }
  *entries(): IterableIterator<[string, string]> {
    const list = this.#sorted();
    for (let i = 0; i < list.length; i++) yield list[i]!;
  }
  *keys(): IterableIterator<string> {
    const list = this.#sorted();
    for (let i = 0; i < list.length; i++) yield list[i]![0];
  }
  *values(): IterableIterator<string> {
    const list = this.#sorted();
    for (let i = 0; i < list.length; i++) yield list[i]![1];
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
  /** The raw list, for fetch. */
  static pairs(headers: Headers): [string, string][] {
    return headers.#list;
  }
}

/** A body as fetch takes it: text, bytes or URLSearchParams; its bytes and the Content-Type it implies. */
function bodyOf(body: unknown): { bytes: Uint8Array; type: string | null } | null {
  if (body === undefined || body === null) return null;
  if (typeof body === "string") return { bytes: utf8Encode(body), type: "text/plain;charset=UTF-8" };
  if (body instanceof URLSearchParams) return { bytes: utf8Encode(body.toString()), type: "application/x-www-form-urlencoded;charset=UTF-8" };
  const bytes = copyOf(body);
  if (bytes) return { bytes, type: null };
  return { bytes: utf8Encode(StringCtor(body)), type: "text/plain;charset=UTF-8" };
}

interface BodyState {
  text: string | null;
  bytes: Uint8Array | null;
  used: boolean;
}

const responseToken = {};

/** A fetch Response: status, headers and a body read once as text, JSON or bytes. */
export class Response {
  readonly #status: number;
  readonly #statusText: string;
  readonly #headers: Headers;
  readonly #url: string;
  readonly #redirected: boolean;
  readonly #body: BodyState;

  constructor(body: unknown = null, init: unknown = undefined, answer: unknown = undefined) {
    if (init === responseToken) {
      const a = answer as FetchAnswer;
      this.#status = a.status;
      this.#statusText = a.statusText;
      this.#headers = new Headers(a.headers);
      this.#url = a.url;
      this.#redirected = a.redirected;
      this.#body = { text: a.text, bytes: a.text === null ? (decodeBase64(a.base64 ?? "") ?? new Uint8ArrayCtor(0)) : null, used: false };
      return;
    }
    const i = (init ?? {}) as { status?: unknown; statusText?: unknown; headers?: unknown };
    const status = i.status === undefined ? 200 : +(i.status as number);
    if (!(status >= 200 && status <= 599 && status === (status | 0))) throw new RangeErrorCtor(`Response: status must be a whole number from 200 to 599, got ${StringCtor(i.status)}`);
    this.#status = status;
    this.#statusText = i.statusText === undefined ? "" : `${i.statusText as string}`;
    this.#headers = new Headers(i.headers);
    this.#url = "";
    this.#redirected = false;
    const b = bodyOf(body);
    if (b?.type && !this.#headers.has("content-type")) this.#headers.set("content-type", b.type);
    this.#body = { text: null, bytes: b ? b.bytes : new Uint8ArrayCtor(0), used: false };
  }

  /** A Response for what the host answered. */
  static from(answer: FetchAnswer): Response {
    return new Response(null, responseToken, answer);
  }
  /** A Response whose body is `data` as JSON. */
  static json(data: unknown, init: unknown = undefined): Response {
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeErrorCtor("Response.json: the data cannot be written as JSON");
    const r = new Response(text, init);
    r.#headers.set("content-type", "application/json");
    return r;
  }

  get status() {
    return this.#status;
  }
  get ok() {
    return this.#status >= 200 && this.#status <= 299;
  }
  get statusText() {
    return this.#statusText;
  }
  get headers() {
    return this.#headers;
  }
  get url() {
    return this.#url;
  }
  get redirected() {
    return this.#redirected;
  }
  get type() {
    return this.#url === "" ? "default" : "basic";
  }
  get bodyUsed() {
    return this.#body.used;
  }
  #take(what: string): BodyState {
    if (this.#body.used) throw new TypeErrorCtor(`Response.${what}: the body was already read`);
    this.#body.used = true;
    return this.#body;
  }
  async text(): Promise<string> {
    const b = this.#take("text()");
    let text = b.text !== null ? b.text : decodeUtf8(b.bytes!, false, false).text;
    if (charCodeAt(text, 0) === 0xfeff) text = slice(text, 1);
    return text;
  }
  async json(): Promise<unknown> {
    const b = this.#take("json()");
    let text = b.text !== null ? b.text : decodeUtf8(b.bytes!, false, false).text;
    if (charCodeAt(text, 0) === 0xfeff) text = slice(text, 1);
    return parseJson(text);
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    const b = this.#take("arrayBuffer()");
    return bufferOf(b.text !== null ? utf8Encode(b.text) : copyOf(b.bytes!)!);
  }
  async bytes(): Promise<Uint8Array> {
    const b = this.#take("bytes()");
    return b.text !== null ? utf8Encode(b.text) : copyOf(b.bytes!)!;
  }
  clone(): Response {
    if (this.#body.used) throw new TypeErrorCtor("Response.clone: the body was already read");
    const copy = Response.from({
      status: this.#status,
      statusText: this.#statusText,
      url: this.#url,
      redirected: this.#redirected,
      headers: [],
      text: this.#body.text,
      base64: this.#body.text === null ? encodeBase64(this.#body.bytes!) : null,
    });
    const pairs = Headers.pairs(this.#headers);
    for (let i = 0; i < pairs.length; i++) copy.#headers.append(pairs[i]![0], pairs[i]![1]);
    return copy;
  }
}

/** fetch(): the host makes the request (allowlist, redirects, time and size limits); the answer becomes a Response. */
export function makeFetch(promise: HostPromise) {
  return async function fetch(input: unknown, init: unknown = undefined): Promise<Response> {
    // A Request-like object: { url, method, headers, body }; a URL or a string otherwise.
    const req = (typeof input === "object" && input !== null && typeof (input as { url?: unknown }).url === "string" ? input : null) as {
      url: string;
      method?: unknown;
      headers?: unknown;
      body?: unknown;
    } | null;
    const url = req ? req.url : `${input as string}`;
    const i = (init ?? {}) as { method?: unknown; headers?: unknown; body?: unknown; timeout?: unknown; redirect?: unknown };
    const method = upper(`${(i.method ?? req?.method ?? "GET") as string}`);
    const headers = new Headers(i.headers ?? req?.headers);
    const body = bodyOf(i.body !== undefined ? i.body : req?.body);
    if (body && (method === "GET" || method === "HEAD")) throw new TypeErrorCtor(`fetch: a ${method} request cannot have a body`);
    if (body && body.bytes.length > WebLimits.maxFetchRequestBytes) {
      throw new RangeErrorCtor(`fetch: the request body is ${body.bytes.length} bytes, over the limit of ${WebLimits.maxFetchRequestBytes}`);
    }
    if (body?.type && !headers.has("content-type")) headers.set("content-type", body.type);
    const timeout = i.timeout === undefined ? WebLimits.fetchTimeoutMs : +(i.timeout as number);
    if (!(timeout > 0 && timeout <= WebLimits.maxFetchTimeoutMs)) throw new RangeErrorCtor(`fetch: timeout must be 1 to ${WebLimits.maxFetchTimeoutMs} ms`);
    const redirect = i.redirect === undefined ? "follow" : `${i.redirect as string}`;
    if (redirect !== "follow" && redirect !== "manual" && redirect !== "error") throw new TypeErrorCtor(`fetch: redirect must be "follow", "manual" or "error"`);
    const request: FetchRequest = { url, method, headers: Headers.pairs(headers), body: body ? encodeBase64(body.bytes) : null, timeoutMs: timeout, redirect };
    let answer: FetchAnswer;
    try {
      answer = await awaitable<FetchAnswer>(promise(WebOps.fetch, [request]));
    } catch (e) {
      throw platformError(e);
    }
    return Response.from(answer);
  };
}
