const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/**
 * Bytes as base64 text, as bytes cross the sandbox boundary (broadcast
 * payloads, fetch bodies, btoa). It uses only string indexing, typed-array
 * element reads and `+`, which no script can redefine, so guest code may call
 * it after user code has run.
 */
export function encodeBase64(bytes: Uint8Array): string {
  let out = "";
  let chunk = "";
  const n = bytes.length;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    chunk += ALPHABET[v >> 18]! + ALPHABET[(v >> 12) & 63]! + ALPHABET[(v >> 6) & 63]! + ALPHABET[v & 63]!;
    if (chunk.length >= 8192) {
      out += chunk;
      chunk = "";
    }
  }
  if (i < n) {
    const v = (bytes[i]! << 16) | (i + 1 < n ? bytes[i + 1]! << 8 : 0);
    chunk += ALPHABET[v >> 18]! + ALPHABET[(v >> 12) & 63]! + (i + 1 < n ? ALPHABET[(v >> 6) & 63]! : "=") + "=";
  }
  return out + chunk;
}

/** The base64 alphabet, in order: index → character. */
export const BASE64_ALPHABET = ALPHABET;
