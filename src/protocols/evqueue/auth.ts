import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * evQueue's challenge sign-in. The server sends 20 random bytes (hex); the
 * client answers HMAC-SHA1(key = SHA1(password) as 20 bytes, message = the
 * challenge's 20 bytes), in hex. Only that HMAC signs in: evQueue's engine
 * also took the literal "hmac" for any user, which is not copied.
 */

const HEX40 = /^[0-9a-fA-F]{40}$/;
/** What an unknown user's answer is checked against, so it takes as long as a known one's. */
const DUMMY_KEY = randomBytes(20);

/** A fresh challenge: 20 random bytes as 40 hex digits. */
export function newChallenge(): string {
  return randomBytes(20).toString("hex");
}

/** The HMAC a client holding `passwordSha1` answers `challenge` with (both 40 hex digits), as 20 bytes. */
export function expectedHmac(passwordSha1: string, challenge: string): Buffer {
  return createHmac("sha1", Buffer.from(passwordSha1, "hex")).update(Buffer.from(challenge, "hex")).digest();
}

/**
 * Whether `response` is the HMAC of `challenge` under `passwordSha1`.
 * Compared in constant time; an unknown user (no password) is compared
 * against a dummy key and never matches; anything that is not 40 hex digits
 * (such as "hmac") never matches.
 */
export function responseMatches(response: string, passwordSha1: string | undefined, challenge: string): boolean {
  const known = passwordSha1 !== undefined && HEX40.test(passwordSha1);
  const expected = known ? expectedHmac(passwordSha1, challenge) : createHmac("sha1", DUMMY_KEY).update(Buffer.from(challenge, "hex")).digest();
  const wellFormed = HEX40.test(response);
  const given = wellFormed ? Buffer.from(response, "hex") : randomBytes(20);
  return timingSafeEqual(expected, given) && wellFormed && known;
}

/** What onAuth answered, checked: the user's password SHA1 and profile, or null for no such user. */
export type AuthAnswer = { readonly passwordSha1: string; readonly profile: string } | null;

/**
 * Whether a sign-in succeeds: onAuth knew the user and `response` is its
 * HMAC of `challenge`. The HMAC is computed and compared whatever onAuth
 * said (an unknown user against a dummy key), so an unknown user's answer
 * takes as long as a known one's.
 */
export function signInMatches(answer: AuthAnswer, response: string, challenge: string): boolean {
  const matches = responseMatches(response, answer?.passwordSha1, challenge);
  return answer !== null && matches;
}

/** The profile of a user onAuth gave none for. */
export const DEFAULT_PROFILE = "USER";
/** The profile of every connection when the handler exports no onAuth (sign-in off: as evQueue with core.auth.enable off, everyone administers). */
export const NO_AUTH_PROFILE = "ADMIN";

/** onAuth's answer (parsed JSON) checked; throws a TypeError saying what onAuth must return. */
export function authAnswer(value: unknown): AuthAnswer {
  if (value === null || value === undefined) return null;
  const shape = 'onAuth(user) must return { passwordSha1: "<40 hex digits: SHA1 of the password>", profile?: "ADMIN" | "USER" | … } or null';
  if (typeof value !== "object" || Array.isArray(value)) throw new TypeError(`${shape}; it returned a ${Array.isArray(value) ? "array" : typeof value}`);
  const { passwordSha1, profile } = value as { passwordSha1?: unknown; profile?: unknown };
  if (typeof passwordSha1 !== "string" || !HEX40.test(passwordSha1)) throw new TypeError(`${shape}; its passwordSha1 is not 40 hex digits`);
  if (profile !== undefined && profile !== null && (typeof profile !== "string" || profile === "" || profile.length > 64)) {
    throw new TypeError(`${shape}; its profile must be a non-empty string of at most 64 characters`);
  }
  return { passwordSha1: passwordSha1.toLowerCase(), profile: typeof profile === "string" ? profile : DEFAULT_PROFILE };
}
