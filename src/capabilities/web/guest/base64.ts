import { BASE64_ALPHABET as ALPHABET, encodeBase64 } from "../../../protocol/base64.js";
import { domError } from "./dom-exception.js";
import { charCodeAt, fromCharCode, Uint8ArrayCtor } from "./prims.js";

export { encodeBase64 };

/** Character code → 6-bit value, 255 for characters outside the alphabet. */
const VALUES = new Uint8ArrayCtor(256).fill(255);
for (let i = 0; i < 64; i++) VALUES[charCodeAt(ALPHABET, i)] = i;

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d;

/** Base64 text (forgiving: ASCII whitespace is skipped, padding optional) as bytes; undefined when it is not base64. */
export function decodeBase64(text: string): Uint8Array | undefined {
  // First pass: how many characters count, and how many of the last are padding.
  let length = 0;
  let last = -1;
  let beforeLast = -1;
  for (let i = 0; i < text.length; i++) {
    const c = charCodeAt(text, i);
    if (isSpace(c)) continue;
    length++;
    beforeLast = last;
    last = c;
  }
  let padding = 0;
  if (length % 4 === 0 && last === 0x3d) padding = beforeLast === 0x3d ? 2 : 1;
  const data = length - padding;
  if (data % 4 === 1) return undefined;
  const out = new Uint8ArrayCtor((data * 3) >> 2);
  let o = 0;
  let acc = 0;
  let bits = 0;
  let seen = 0;
  for (let i = 0; i < text.length && seen < data; i++) {
    const c = charCodeAt(text, i);
    if (isSpace(c)) continue;
    seen++;
    const v = c < 256 ? VALUES[c]! : 255;
    if (v === 255) return undefined;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 255;
    }
  }
  return out;
}

/** btoa(): a string of code units 0–255 as base64; InvalidCharacterError for others. */
export function btoa(data: unknown): string {
  if (arguments.length === 0) throw new TypeError("btoa: 1 argument required");
  const text = `${data as string}`;
  const bytes = new Uint8ArrayCtor(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = charCodeAt(text, i);
    if (c > 255) throw domError("InvalidCharacterError", "btoa: the string contains a character outside Latin-1 (at index " + i + "); encode it as UTF-8 first, e.g. with TextEncoder");
    bytes[i] = c;
  }
  return encodeBase64(bytes);
}

/** atob(): base64 as a string of code units 0–255; InvalidCharacterError when it is not base64. */
export function atob(data: unknown): string {
  if (arguments.length === 0) throw new TypeError("atob: 1 argument required");
  const bytes = decodeBase64(`${data as string}`);
  if (!bytes) throw domError("InvalidCharacterError", "atob: the string is not correctly encoded base64");
  let out = "";
  for (let i = 0; i < bytes.length; i += 4096) {
    let chunk = "";
    const end = i + 4096 < bytes.length ? i + 4096 : bytes.length;
    for (let j = i; j < end; j++) chunk += fromCharCode(bytes[j]!);
    out += chunk;
  }
  return out;
}
