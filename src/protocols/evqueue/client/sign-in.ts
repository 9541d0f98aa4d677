import { createHash } from "node:crypto";
import { expectedHmac } from "../auth.js";

/** Who a node is signed in to as: the user and the SHA1 of its password (hex), as evQueue stores it. */
export interface Credentials {
  readonly user: string;
  readonly passwordSha1: string;
}

const HEX = /^(?:[0-9a-f]{2})+$/i;
const SHA1_HEX = /^[0-9a-f]{40}$/i;
/** A URL password written as "sha1:<40 hex digits>" is the SHA1 itself, not the password. */
const SHA1_PREFIX = "sha1:";

export function sha1Hex(text: string): string {
  return createHash("sha1").update(text, "utf8").digest("hex");
}

/**
 * evQueue's answer to a challenge, in hex: the HMAC the server role checks
 * (HMAC-SHA1 keyed with the bytes of the password's SHA1, over the bytes of
 * the challenge). Undefined when the challenge is not hex.
 */
export function challengeResponse(challengeHex: string, passwordSha1Hex: string): string | undefined {
  if (!HEX.test(challengeHex) || challengeHex.length > 1024) return undefined;
  return expectedHmac(passwordSha1Hex, challengeHex).toString("hex");
}

/**
 * The credentials an operator connection's URL carries: its user, and its
 * password (hashed here) or, written as "sha1:<hex>", the password's SHA1.
 * Undefined without a user; a problem (a malformed sha1:) is a string.
 */
export function credentialsOf(url: URL): Credentials | string | undefined {
  if (!url.username) return undefined;
  const user = safeDecode(url.username);
  const password = safeDecode(url.password);
  if (password.toLowerCase().startsWith(SHA1_PREFIX)) {
    const sha1 = password.slice(SHA1_PREFIX.length);
    if (!SHA1_HEX.test(sha1)) return `its password starts with "${SHA1_PREFIX}" but the rest is not a SHA1 (40 hex digits)`;
    return { user, passwordSha1: sha1.toLowerCase() };
  }
  return { user, passwordSha1: sha1Hex(password) };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
