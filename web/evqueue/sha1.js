// SHA-1 and HMAC-SHA1 for evQueue's sign-in: WebCrypto when the page has it,
// and a small JavaScript implementation (FIPS 180-4, RFC 2104) where it does
// not: crypto.subtle exists only in secure contexts (https:, localhost), and
// an evQueue console is often opened over http: on a LAN address.

const encoder = new TextEncoder();

/** The bytes of a hex string (two digits a byte); throws a TypeError naming `what` when it is not hex. */
export function hexToBytes(hex, what = "value") {
  if (typeof hex !== "string" || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new TypeError(`${what} must be a hex string (an even number of 0-9a-f digits), got ${JSON.stringify(String(hex).slice(0, 60))}`);
  }
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** Lower-case hex of bytes. */
export function bytesToHex(bytes) {
  let out = "";
  for (const b of new Uint8Array(bytes)) out += b.toString(16).padStart(2, "0");
  return out;
}

const rotl = (x, n) => (x << n) | (x >>> (32 - n));

/** SHA-1 of bytes, in JavaScript: 20 bytes. */
export function sha1Bytes(message) {
  const data = new Uint8Array(message);
  // Pad: a 1 bit, zeros, then the length in bits as a 64-bit big-endian number, to a multiple of 64 bytes.
  const padded = new Uint8Array((((data.length + 8) >> 6) + 1) << 6);
  padded.set(data);
  padded[data.length] = 0x80;
  const view = new DataView(padded.buffer);
  const bits = data.length * 8;
  view.setUint32(padded.length - 8, Math.floor(bits / 2 ** 32));
  view.setUint32(padded.length - 4, bits >>> 0);

  let h0 = 0x67452301, h1 = 0xefcdab89, h2 = 0x98badcfe, h3 = 0x10325476, h4 = 0xc3d2e1f0;
  const w = new Int32Array(80);
  for (let offset = 0; offset < padded.length; offset += 64) {
    for (let t = 0; t < 16; t++) w[t] = view.getInt32(offset + 4 * t);
    for (let t = 16; t < 80; t++) w[t] = rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
    let a = h0, b = h1, c = h2, d = h3, e = h4;
    for (let t = 0; t < 80; t++) {
      let f, k;
      if (t < 20) (f = (b & c) | (~b & d)), (k = 0x5a827999);
      else if (t < 40) (f = b ^ c ^ d), (k = 0x6ed9eba1);
      else if (t < 60) (f = (b & c) | (b & d) | (c & d)), (k = 0x8f1bbcdc);
      else (f = b ^ c ^ d), (k = 0xca62c1d6);
      const temp = (rotl(a, 5) + f + e + k + w[t]) | 0;
      e = d;
      d = c;
      c = rotl(b, 30);
      b = a;
      a = temp;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  const out = new Uint8Array(20);
  const outView = new DataView(out.buffer);
  [h0, h1, h2, h3, h4].forEach((h, i) => outView.setInt32(4 * i, h));
  return out;
}

/** HMAC-SHA1 (RFC 2104) of `message` under `key`, in JavaScript: 20 bytes. */
export function hmacSha1Bytes(key, message) {
  let k = new Uint8Array(key);
  if (k.length > 64) k = sha1Bytes(k);
  const inner = new Uint8Array(64 + message.length);
  const outer = new Uint8Array(64 + 20);
  for (let i = 0; i < 64; i++) {
    inner[i] = (k[i] ?? 0) ^ 0x36;
    outer[i] = (k[i] ?? 0) ^ 0x5c;
  }
  inner.set(new Uint8Array(message), 64);
  outer.set(sha1Bytes(inner), 64);
  return sha1Bytes(outer);
}

/** The page's WebCrypto, or null where there is none (an insecure context, or an old runtime). */
export function defaultSubtle() {
  return globalThis.crypto?.subtle ?? null;
}

/** SHA-1 hex of a text's UTF-8 bytes; `subtle` null → the JavaScript implementation. */
export async function sha1Hex(text, subtle = defaultSubtle()) {
  const bytes = encoder.encode(String(text));
  if (subtle) return bytesToHex(await subtle.digest("SHA-1", bytes));
  return bytesToHex(sha1Bytes(bytes));
}

/**
 * The answer to an evQueue challenge: HMAC-SHA1 keyed with the bytes of the
 * password's SHA1 hex, over the bytes of the challenge hex; lower-case hex.
 */
export async function challengeResponse(challengeHex, passwordSha1Hex, subtle = defaultSubtle()) {
  const message = hexToBytes(challengeHex, "the challenge");
  const key = hexToBytes(passwordSha1Hex, "the password's SHA1");
  if (subtle) {
    const cryptoKey = await subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
    return bytesToHex(await subtle.sign("HMAC", cryptoKey, message));
  }
  return bytesToHex(hmacSha1Bytes(key, message));
}
