import { WebOps, type UrlParts } from "../ops-names.js";
import { utf8Encode, decodeUtf8 } from "./text-codec.js";
import { apply, bufferOf, fromCharCode, indexOf, isArray, iteratorSymbol, keys, push, slice, TypeErrorCtor, Uint8ArrayCtor } from "./prims.js";

/** An immediate host call (kernel.call). */
type HostCall = (op: string, args: (string | number | boolean | null)[]) => unknown;

const HEX = "0123456789ABCDEF";

/** application/x-www-form-urlencoded bytes: alphanumerics and *-._ kept, space as "+", the rest %XX. */
function formEncode(text: string): string {
  const bytes = utf8Encode(text);
  let out = "";
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x2a || b === 0x2d || b === 0x2e || b === 0x5f) out += fromCharCode(b);
    else if (b === 0x20) out += "+";
    else out += "%" + HEX[b >> 4]! + HEX[b & 15]!;
  }
  return out;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Percent-decodes (with "+" as space) and reads the bytes as UTF-8. */
function formDecode(text: string): string {
  const utf8 = utf8Encode(text);
  const out = new Uint8ArrayCtor(utf8.length);
  let o = 0;
  for (let i = 0; i < utf8.length; i++) {
    const b = utf8[i]!;
    if (b === 0x2b) out[o++] = 0x20;
    else if (b === 0x25 && i + 2 < utf8.length && hexValue(utf8[i + 1]!) >= 0 && hexValue(utf8[i + 2]!) >= 0) {
      out[o++] = (hexValue(utf8[i + 1]!) << 4) | hexValue(utf8[i + 2]!);
      i += 2;
    } else out[o++] = b;
  }
  return decodeUtf8(new Uint8ArrayCtor(bufferOf(out), 0, o), false, false).text;
}

function parseForm(query: string): [string, string][] {
  const list: [string, string][] = [];
  let start = 0;
  while (start <= query.length) {
    let end = indexOf(query, "&", start);
    if (end < 0) end = query.length;
    const part = slice(query, start, end);
    if (part !== "") {
      const eq = indexOf(part, "=");
      push(list, eq < 0 ? [formDecode(part), ""] : [formDecode(slice(part, 0, eq)), formDecode(slice(part, eq + 1))]);
    }
    start = end + 1;
  }
  return list;
}

/** Lets a URL know its searchParams changed (and the other way round), without exposing either's state. */
const linkParams = {
  set: undefined as unknown as (params: URLSearchParams, query: string) => void,
  onChange: undefined as unknown as (params: URLSearchParams, onChange: (query: string) => void) => void,
};

/** URLSearchParams, as in browsers. */
export class URLSearchParams {
  #list: [string, string][] = [];
  #onChange: ((query: string) => void) | undefined;

  constructor(init: unknown = "") {
    if (typeof init === "object" && init !== null) {
      const iterate = (init as { [Symbol.iterator]?: unknown })[iteratorSymbol];
      if (typeof iterate === "function") {
        for (const pair of init as Iterable<unknown>) {
          const p = isArray(pair) ? pair : [...(pair as Iterable<unknown>)];
          if (p.length !== 2) throw new TypeErrorCtor("URLSearchParams: each pair must have exactly 2 items");
          push(this.#list, [`${p[0] as string}`, `${p[1] as string}`]);
        }
      } else {
        const names = keys(init);
        for (let i = 0; i < names.length; i++) push(this.#list, [names[i]!, `${(init as Record<string, string>)[names[i]!]}`]);
      }
    } else {
      const text = `${init as string}`;
      this.#list = parseForm(text[0] === "?" ? slice(text, 1) : text);
    }
  }

  static {
    linkParams.set = (params, query) => {
      params.#list = parseForm(query[0] === "?" ? slice(query, 1) : query);
    };
    linkParams.onChange = (params, onChange) => {
      params.#onChange = onChange;
    };
  }

  #changed(): void {
    if (this.#onChange) this.#onChange(this.toString());
  }
  get size(): number {
    return this.#list.length;
  }
  append(name: unknown, value: unknown): void {
    push(this.#list, [`${name as string}`, `${value as string}`]);
    this.#changed();
  }
  delete(name: unknown, value?: unknown): void {
    const n = `${name as string}`;
    const v = value === undefined ? undefined : `${value as string}`;
    const kept: [string, string][] = [];
    const list = this.#list;
    for (let i = 0; i < list.length; i++) if (!(list[i]![0] === n && (v === undefined || list[i]![1] === v))) push(kept, list[i]!);
    this.#list = kept;
    this.#changed();
  }
  get(name: unknown): string | null {
    const n = `${name as string}`;
    const list = this.#list;
    for (let i = 0; i < list.length; i++) if (list[i]![0] === n) return list[i]![1];
    return null;
  }
  getAll(name: unknown): string[] {
    const n = `${name as string}`;
    const out: string[] = [];
    const list = this.#list;
    for (let i = 0; i < list.length; i++) if (list[i]![0] === n) push(out, list[i]![1]);
    return out;
  }
  has(name: unknown, value?: unknown): boolean {
    const n = `${name as string}`;
    const v = value === undefined ? undefined : `${value as string}`;
    const list = this.#list;
    for (let i = 0; i < list.length; i++) if (list[i]![0] === n && (v === undefined || list[i]![1] === v)) return true;
    return false;
  }
  set(name: unknown, value: unknown): void {
    const n = `${name as string}`;
    const v = `${value as string}`;
    const kept: [string, string][] = [];
    let found = false;
    const list = this.#list;
    for (let i = 0; i < list.length; i++) {
      const pair = list[i]!;
      if (pair[0] !== n) push(kept, pair);
      else if (!found) {
        found = true;
        push(kept, [n, v]);
      }
    }
    if (!found) push(kept, [n, v]);
    this.#list = kept;
    this.#changed();
  }
  /** Sorts by name (by UTF-16 code units), stable. */
  sort(): void {
    const list = this.#entries();
    // Insertion sort: stable, and no Array.prototype.sort a script may have replaced.
    for (let i = 1; i < list.length; i++) {
      const item = list[i]!;
      let j = i - 1;
      while (j >= 0 && list[j]![0] > item[0]) {
        list[j + 1] = list[j]!;
        j--;
      }
      list[j + 1] = item;
    }
    this.#list = list;
    this.#changed();
  }
  toString(): string {
    let out = "";
    const list = this.#list;
    for (let i = 0; i < list.length; i++) out += (i ? "&" : "") + formEncode(list[i]![0]) + "=" + formEncode(list[i]![1]);
    return out;
  }
  forEach(callback: (value: string, name: string, params: URLSearchParams) => void, thisArg?: unknown): void {
    if (typeof callback !== "function") throw new TypeErrorCtor("URLSearchParams.forEach: the callback must be a function");
    const list = this.#entries();
    for (let i = 0; i < list.length; i++) apply(callback, thisArg, [list[i]![1], list[i]![0], this]);
  }
  *entries(): IterableIterator<[string, string]> {
    const list = this.#entries();
    for (let i = 0; i < list.length; i++) yield [list[i]![0], list[i]![1]];
  }
  *keys(): IterableIterator<string> {
    const list = this.#entries();
    for (let i = 0; i < list.length; i++) yield list[i]![0];
  }
  *values(): IterableIterator<string> {
    const list = this.#entries();
    for (let i = 0; i < list.length; i++) yield list[i]![1];
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
  /** A copy of the list (a callback may change the params while it runs). */
  #entries(): [string, string][] {
    const copy: [string, string][] = [];
    for (let i = 0; i < this.#list.length; i++) push(copy, this.#list[i]!);
    return copy;
  }
}

/** The URL class the guest installs (typed for scripts in runtime-api/web.d.ts). */
type URLConstructor = new (url: unknown, base?: unknown) => object;

/** URL and URLSearchParams, parsed by the host's WHATWG URL parser. */
export function makeURL(call: HostCall): URLConstructor {
  const parse = (input: unknown, base: unknown): UrlParts | null =>
    call(WebOps.urlParse, [`${input as string}`, base === undefined ? null : `${base as string}`]) as UrlParts | null;

  class URL {
    #parts: UrlParts;
    readonly #query: URLSearchParams;

    constructor(url: unknown, base: unknown = undefined) {
      const parts = parse(url, base);
      if (!parts) throw new TypeErrorCtor(`Invalid URL: "${slice(`${url as string}`, 0, 200)}"` + (base === undefined ? "" : ` (base "${slice(`${base as string}`, 0, 200)}")`));
      this.#parts = parts;
      this.#query = new URLSearchParams(parts.search);
      linkParams.onChange(this.#query, (query) => {
        // An empty query leaves no "?" behind, as the search setter does.
        const next = call(WebOps.urlSet, [this.#parts.href, "search", query]) as UrlParts | null;
        if (next) this.#parts = next;
      });
    }

    static canParse(url: unknown, base: unknown = undefined): boolean {
      return parse(url, base) !== null;
    }
    static parse(url: unknown, base: unknown = undefined): URL | null {
      return parse(url, base) === null ? null : new URL(url, base);
    }

    #set(component: string, value: unknown): void {
      const next = call(WebOps.urlSet, [this.#parts.href, component, `${value as string}`]) as UrlParts | null;
      if (!next) {
        if (component === "href") throw new TypeErrorCtor(`Invalid URL: "${slice(`${value as string}`, 0, 200)}"`);
        return;
      }
      this.#parts = next;
      if (component === "href" || component === "search") linkParams.set(this.#query, next.search);
    }

    get href() { return this.#parts.href; }
    set href(v: string) { this.#set("href", v); }
    get origin() { return this.#parts.origin; }
    get protocol() { return this.#parts.protocol; }
    set protocol(v: string) { this.#set("protocol", v); }
    get username() { return this.#parts.username; }
    set username(v: string) { this.#set("username", v); }
    get password() { return this.#parts.password; }
    set password(v: string) { this.#set("password", v); }
    get host() { return this.#parts.host; }
    set host(v: string) { this.#set("host", v); }
    get hostname() { return this.#parts.hostname; }
    set hostname(v: string) { this.#set("hostname", v); }
    get port() { return this.#parts.port; }
    set port(v: string) { this.#set("port", v); }
    get pathname() { return this.#parts.pathname; }
    set pathname(v: string) { this.#set("pathname", v); }
    get search() { return this.#parts.search; }
    set search(v: string) { this.#set("search", v); }
    get hash() { return this.#parts.hash; }
    set hash(v: string) { this.#set("hash", v); }
    get searchParams() { return this.#query; }
    toString() { return this.#parts.href; }
    toJSON() { return this.#parts.href; }
  }
  return URL as unknown as URLConstructor;
}

