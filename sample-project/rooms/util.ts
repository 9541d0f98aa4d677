// Shared by rooms.ts and sign-in.ts: commands, nicknames and signed tokens.
// Saving this file reloads both handlers.
import { get } from "core/v4/configurations";

/** What a browser sends to the rooms endpoint, as JSON text. */
export type Command = { type: "join"; room: string } | { type: "say"; text: string } | { type: "who" } | { type: "typing" };

/** What each rooms session keeps in connection.data: it survives handler reloads. */
export interface Member {
  nick: string;
  room: string | null;
}

// No "." in names: a token is "<nick>.<expiry>.<signature>".
const NAME = /^[\p{L}\p{N}_-]{1,24}$/u;

export function validName(name: unknown): name is string {
  return typeof name === "string" && NAME.test(name);
}

/** A command from a browser, or an error text to answer with. */
export function parseCommand(text: string): Command | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "send JSON such as {\"type\":\"say\",\"text\":\"hi\"}";
  }
  const c = value as Record<string, unknown>;
  switch (c?.type) {
    case "join":
      return validName(c.room) ? { type: "join", room: c.room } : "a room name is 1 to 24 letters, digits, '_' or '-'";
    case "say":
      return typeof c.text === "string" && c.text.length > 0 && c.text.length <= 2000 ? { type: "say", text: c.text } : "say needs a text of 1 to 2000 characters";
    case "who":
    case "typing":
      return { type: c.type };
    default:
      return `unknown command type ${JSON.stringify(c?.type)}: use join, say, who or typing`;
  }
}

// The signing key comes from the operator: aerostat serve --config ROOMS_TOKEN_KEY=env:ROOMS_TOKEN_KEY.
// Without one, the sample signs with a development key and says so once.
const DEVELOPMENT_KEY = "aerostat-sample-development-key";
let warned = false;

function signingKey(): Promise<CryptoKey> {
  let secret = get("ROOMS_TOKEN_KEY");
  if (!secret) {
    if (!warned) console.warn("ROOMS_TOKEN_KEY is not set: tokens are signed with the sample's development key. Start with --config ROOMS_TOKEN_KEY=env:ROOMS_TOKEN_KEY.");
    warned = true;
    secret = DEVELOPMENT_KEY;
  }
  return crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

const toBase64Url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const fromBase64Url = (text: string) => Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));

/** A token for `nick`, valid for `hours`: "<nick>.<expiry>.<HMAC-SHA256 signature>". */
export async function signToken(nick: string, hours = 12): Promise<string> {
  const payload = `${encodeURIComponent(nick)}.${Date.now() + hours * 3_600_000}`;
  const signature = await crypto.subtle.sign("HMAC", await signingKey(), new TextEncoder().encode(payload));
  return `${payload}.${toBase64Url(new Uint8Array(signature))}`;
}

/** The nickname a token was signed for, or null when it is forged, malformed or expired. */
export async function verifyToken(token: string): Promise<string | null> {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  const [nick, expiry, signature] = parts as [string, string, string];
  let signatureBytes: Uint8Array;
  try {
    signatureBytes = fromBase64Url(signature);
  } catch {
    return null;
  }
  const ok = await crypto.subtle.verify("HMAC", await signingKey(), signatureBytes, new TextEncoder().encode(`${nick}.${expiry}`));
  if (!ok || Number(expiry) < Date.now()) return null;
  return decodeURIComponent(nick);
}
