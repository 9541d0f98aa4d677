import { decodeJwt, errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from "jose";
import { ScErrors, wireError } from "./errors.js";
import type { WireError } from "./frames.js";

/** What a token a client presented turned out to be. */
export type TokenCheck =
  /** Signed with this server's key for this project, and in date. */
  | { readonly kind: "valid"; readonly payload: Record<string, unknown>; readonly token: string; readonly expiresAt?: number }
  /** No token, or one for another project on this host: treated as none, and left in the client's storage. */
  | { readonly kind: "absent" }
  /** Expired, not yet valid, forged or unreadable: the client is told why, and told to forget it. */
  | { readonly kind: "invalid"; readonly error: WireError };

/** The audience a project's tokens carry, so a token of one project never signs in to another on the same host. */
export function audienceOf(project: string): string {
  return `aerostat:${project === "" ? "/" : encodeURIComponent(project)}`;
}

const MAX_TOKEN_CHARS = 8192;

/**
 * Signs and checks sign-in tokens (JWT, HS256) with the key every node of a
 * deployment shares (--auth-key-file). Tokens are scoped to their project.
 */
export class TokenKeys {
  private readonly key: Uint8Array;

  constructor(key: Uint8Array) {
    this.key = key;
  }

  /** Signs `payload` for `project`; `exp` in the payload wins over `expiresInSeconds`. */
  async sign(project: string, payload: Record<string, unknown>, expiresInSeconds: number): Promise<string> {
    const claims: JWTPayload = { ...payload };
    delete claims.aud;
    const jwt = new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" }).setIssuedAt().setAudience(audienceOf(project));
    if (typeof payload["exp"] !== "number") jwt.setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds);
    return jwt.sign(this.key);
  }

  /** Checks a token a client presented for `project`. */
  async check(project: string, token: unknown): Promise<TokenCheck> {
    if (token === null || token === undefined || token === "") return { kind: "absent" };
    if (typeof token !== "string" || token.length > MAX_TOKEN_CHARS) {
      return { kind: "invalid", error: wireError(ScErrors.authInvalid, "the auth token is not a JWT") };
    }
    let claims: JWTPayload;
    try {
      claims = decodeJwt(token);
    } catch {
      return { kind: "invalid", error: wireError(ScErrors.authInvalid, "the auth token is not a JWT") };
    }
    const audience = audienceOf(project);
    const aud = claims.aud;
    const ours = aud === audience || (Array.isArray(aud) && aud.includes(audience));
    // Another project's token (same host:port, same storage key in the client): not ours to judge or wipe.
    if (!ours && (typeof aud === "string" ? aud.startsWith("aerostat:") : Array.isArray(aud))) return { kind: "absent" };
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ["HS256"], audience });
      const out = { ...payload } as Record<string, unknown>;
      return { kind: "valid", payload: out, token, ...(typeof payload.exp === "number" ? { expiresAt: payload.exp * 1000 } : {}) };
    } catch (error) {
      return { kind: "invalid", error: tokenError(error, claims) };
    }
  }
}

function tokenError(error: unknown, claims: JWTPayload): WireError {
  if (error instanceof joseErrors.JWTExpired) {
    return wireError(ScErrors.authExpired, "the auth token has expired", typeof claims.exp === "number" ? { expiry: new Date(claims.exp * 1000).toISOString() } : {});
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === "nbf") {
    return wireError(ScErrors.authNotBefore, "the auth token is not valid yet", typeof claims.nbf === "number" ? { date: new Date(claims.nbf * 1000).toISOString() } : {});
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed || error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) {
    return wireError(ScErrors.authInvalid, "the auth token's signature is not this server's");
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed || error instanceof joseErrors.JWTClaimValidationFailed) {
    return wireError(ScErrors.authInvalid, `the auth token was refused: ${(error as Error).message}`);
  }
  return wireError(ScErrors.authError, "the auth token could not be checked");
}

/** Whether a token checked earlier has expired by now. */
export function expired(expiresAt: number | undefined, now = Date.now()): boolean {
  return expiresAt !== undefined && now >= expiresAt;
}
