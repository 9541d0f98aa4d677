import { apply, arrayBufferLength, charCodeAt, copyOf, fromCharCode, indexOf, lower, push, RangeErrorCtor, setBytes, slice, subarray, TypeErrorCtor, typedArrayName, Uint8ArrayCtor, viewBytes } from "./prims.js";

/** UTF-8 bytes of a string; lone surrogates become U+FFFD, as the Encoding Standard says. */
export function utf8Encode(text: string): Uint8Array {
  const out = new Uint8ArrayCtor(text.length * 3);
  const written = encodeIntoBytes(text, out).written;
  return subarrayCopy(out, written);
}

function subarrayCopy(bytes: Uint8Array, length: number): Uint8Array {
  const copy = new Uint8ArrayCtor(length);
  setBytes(copy, subarray(bytes, 0, length));
  return copy;
}

/** Encodes as much of `text` as fits whole into `dest`. */
function encodeIntoBytes(text: string, dest: Uint8Array): { read: number; written: number } {
  let read = 0;
  let w = 0;
  const cap = dest.length;
  const n = text.length;
  while (read < n) {
    let c = charCodeAt(text, read);
    let units = 1;
    if (c >= 0xd800 && c <= 0xdbff && read + 1 < n) {
      const d = charCodeAt(text, read + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        units = 2;
      } else c = 0xfffd;
    } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) {
      if (w + 1 > cap) break;
      dest[w++] = c;
    } else if (c < 0x800) {
      if (w + 2 > cap) break;
      dest[w++] = 0xc0 | (c >> 6);
      dest[w++] = 0x80 | (c & 63);
    } else if (c < 0x10000) {
      if (w + 3 > cap) break;
      dest[w++] = 0xe0 | (c >> 12);
      dest[w++] = 0x80 | ((c >> 6) & 63);
      dest[w++] = 0x80 | (c & 63);
    } else {
      if (w + 4 > cap) break;
      dest[w++] = 0xf0 | (c >> 18);
      dest[w++] = 0x80 | ((c >> 12) & 63);
      dest[w++] = 0x80 | ((c >> 6) & 63);
      dest[w++] = 0x80 | (c & 63);
    }
    read += units;
  }
  return { read, written: w };
}

/** TextEncoder: strings to UTF-8. */
export class TextEncoder {
  get encoding(): string {
    return "utf-8";
  }
  encode(input: unknown = ""): Uint8Array {
    return utf8Encode(`${input as string}`);
  }
  encodeInto(source: unknown, destination: unknown): { read: number; written: number } {
    const text = `${source as string}`;
    const dest = destination as Uint8Array;
    if (typedArrayName(dest) !== "Uint8Array") throw new TypeErrorCtor("TextEncoder.encodeInto: the destination must be a Uint8Array");
    const view = viewBytes(dest)!;
    return encodeIntoBytes(text, view);
  }
}

const LABELS = ["utf-8", "utf8", "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "x-unicode20utf8"];

/**
 * UTF-8 decoding by the Encoding Standard's decoder: each maximal invalid
 * subpart becomes one U+FFFD (or, `fatal`, a TypeError). `stream` keeps an
 * incomplete sequence at the end for the next call.
 */
export class TextDecoder {
  readonly #fatal: boolean;
  readonly #ignoreBOM: boolean;
  #pending: Uint8Array = new Uint8ArrayCtor(0);
  #bomSeen = false;

  constructor(label: unknown = "utf-8", options: unknown = undefined) {
    let name = lower(`${label as string}`);
    // ASCII whitespace around a label is allowed.
    let a = 0;
    let b = name.length;
    while (a < b && indexOf(" \t\n\f\r", name[a]!) >= 0) a++;
    while (b > a && indexOf(" \t\n\f\r", name[b - 1]!) >= 0) b--;
    name = slice(name, a, b);
    let known = false;
    for (let i = 0; i < LABELS.length; i++) if (LABELS[i] === name) known = true;
    if (!known) throw new RangeErrorCtor(`TextDecoder: encoding "${name}" is not supported; only UTF-8 is`);
    const o = (options ?? {}) as { fatal?: unknown; ignoreBOM?: unknown };
    this.#fatal = !!o.fatal;
    this.#ignoreBOM = !!o.ignoreBOM;
  }
  get encoding(): string {
    return "utf-8";
  }
  get fatal(): boolean {
    return this.#fatal;
  }
  get ignoreBOM(): boolean {
    return this.#ignoreBOM;
  }
  decode(input: unknown = undefined, options: unknown = undefined): string {
    const stream = !!(options as { stream?: unknown } | undefined)?.stream;
    let bytes: Uint8Array;
    if (input === undefined || input === null) bytes = new Uint8ArrayCtor(0);
    else {
      const view = arrayBufferLength(input) >= 0 ? new Uint8ArrayCtor(input as ArrayBuffer) : viewBytes(input);
      if (!view) throw new TypeErrorCtor("TextDecoder.decode: the input must be an ArrayBuffer, a typed array or a DataView");
      bytes = view;
    }
    if (this.#pending.length > 0) {
      const joined = new Uint8ArrayCtor(this.#pending.length + bytes.length);
      setBytes(joined, this.#pending);
      setBytes(joined, bytes, this.#pending.length);
      bytes = joined;
    }
    const { text, rest } = decodeUtf8(bytes, stream, this.#fatal);
    this.#pending = rest ? (copyOf(rest) as Uint8Array) : new Uint8ArrayCtor(0);
    let out = text;
    if (!this.#bomSeen && out.length > 0) {
      this.#bomSeen = true;
      if (!this.#ignoreBOM && charCodeAt(out, 0) === 0xfeff) out = slice(out, 1);
    }
    if (!stream) {
      this.#bomSeen = false;
      this.#pending = new Uint8ArrayCtor(0);
    }
    return out;
  }
}

/** Decodes UTF-8; with `stream`, an incomplete sequence at the end is returned as `rest`. */
export function decodeUtf8(bytes: Uint8Array, stream: boolean, fatal: boolean): { text: string; rest: Uint8Array | undefined } {
  const units: number[] = [];
  let out = "";
  const flush = () => {
    out += apply(fromCharCode, null, units) as string;
    units.length = 0;
  };
  const n = bytes.length;
  let i = 0;
  const bad = () => {
    if (fatal) throw new TypeErrorCtor("TextDecoder.decode: the data is not valid UTF-8");
    push(units, 0xfffd);
  };
  while (i < n) {
    if (units.length >= 4096) flush();
    const b = bytes[i]!;
    if (b < 0x80) {
      push(units, b);
      i++;
      continue;
    }
    let need: number;
    let lowest = 0x80;
    let highest = 0xbf;
    let cp: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      cp = b & 0xf;
      if (b === 0xe0) lowest = 0xa0;
      if (b === 0xed) highest = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      cp = b & 0x7;
      if (b === 0xf0) lowest = 0x90;
      if (b === 0xf4) highest = 0x8f;
    } else {
      bad();
      i++;
      continue;
    }
    let j = 1;
    let ok = true;
    for (; j <= need; j++) {
      if (i + j >= n) break;
      const c = bytes[i + j]!;
      if (c < lowest || c > highest) {
        ok = false;
        break;
      }
      lowest = 0x80;
      highest = 0xbf;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (ok && j <= need) {
      // Ran out of bytes inside a sequence.
      if (stream) {
        flush();
        return { text: out, rest: subarray(bytes, i, n) };
      }
      bad();
      break;
    }
    if (!ok) {
      bad();
      i += j;
      continue;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      push(units, 0xd800 + (cp >> 10));
      push(units, 0xdc00 + (cp & 0x3ff));
    } else push(units, cp);
    i += need + 1;
  }
  flush();
  return { text: out, rest: undefined };
}
