import { HookError } from "../../sandbox/requests.js";
import { ScCloseCodes } from "./close-codes.js";
import { hookFailure, ScErrors, wireError } from "./errors.js";
import { eventFrame, type Packet, type WireError } from "./frames.js";
import { ScHooks } from "../../protocol/socketcluster-hooks.js";
import type { ScSession, SignedIn } from "./session.js";
import type { TokenCheck } from "./auth.js";

/**
 * Checks a token the client presented (handshake or #authenticate): the
 * signature, the project, the expiry, then the handler's onAuthenticate.
 */
export async function checkToken(s: ScSession, token: unknown): Promise<TokenCheck> {
  const check = await s.ctx.keys.check(s.project, token);
  if (check.kind !== "valid" || !s.module.hooks.has(ScHooks.authenticate)) return check;
  try {
    const ok = await s.ask(ScHooks.authenticate, [check.payload], 1);
    if (ok === false) return { kind: "invalid", error: wireError(ScErrors.authInvalid, "onAuthenticate refused the auth token") };
  } catch (error) {
    return { kind: "invalid", error: hookFailure(ScHooks.authenticate, error) };
  }
  return check;
}

export function signedIn(check: Extract<TokenCheck, { kind: "valid" }>): SignedIn {
  return { payload: check.payload, token: check.token, ...(check.expiresAt !== undefined ? { expiresAt: check.expiresAt } : {}) };
}

/**
 * `#handshake`: checks the stored token, asks onHandshake, then answers with
 * the session id and ping timeout. A bad token is a soft error (signed out,
 * told why, told to forget it); a refusal answers with an error and closes
 * with 4008 (the client retries) or 4508 (it gives up).
 */
export async function handshake(s: ScSession, packet: Packet, cid: number): Promise<void> {
  const data = packet.data as { authToken?: unknown } | null | undefined;
  const check = await checkToken(s, data && typeof data === "object" ? data.authToken : undefined);
  if (s.ended) return;
  if (s.module.hooks.has(ScHooks.handshake)) {
    const request = { ...(JSON.parse(s.request) as Record<string, unknown>), authToken: check.kind === "valid" ? check.payload : null };
    let refusal: { error: WireError; code: number } | undefined;
    try {
      const answer = await s.ask(ScHooks.handshake, [request]);
      if (answer === false) refusal = { error: rejected("onHandshake refused the connection", ScCloseCodes.handshakeRejected), code: ScCloseCodes.handshakeRejected };
      else if (isPermanent(answer)) {
        refusal = { error: rejected("onHandshake refused the connection for good", ScCloseCodes.handshakeRejectedPermanently), code: ScCloseCodes.handshakeRejectedPermanently };
      }
    } catch (error) {
      const thrown = error instanceof HookError;
      const permanent = thrown && (error as unknown as { permanent?: unknown }).permanent === true;
      const code = permanent ? ScCloseCodes.handshakeRejectedPermanently : ScCloseCodes.handshakeRejected;
      refusal = { error: { ...hookFailure(ScHooks.handshake, error), statusCode: code }, code };
    }
    if (s.ended) return;
    if (refusal) {
      s.fail(cid, refusal.error);
      s.close(refusal.code, refusal.error.message.slice(0, 120));
      return;
    }
  }
  if (check.kind === "valid") s.signIn(signedIn(check), false);
  s.answer(cid, {
    id: s.id,
    pingTimeout: s.options.pingTimeoutMs,
    isAuthenticated: check.kind === "valid",
    ...(check.kind === "invalid" ? { authError: check.error } : {}),
  });
  // A token that will never work is taken out of the client's storage, so it stops presenting it.
  if (check.kind === "invalid") s.send(eventFrame("#removeAuthToken"));
  s.opened();
}

function rejected(message: string, statusCode: number): WireError {
  return wireError(ScErrors.handshakeRejected, message, { statusCode });
}

function isPermanent(answer: unknown): boolean {
  return typeof answer === "object" && answer !== null && (answer as { permanent?: unknown }).permanent === true;
}
