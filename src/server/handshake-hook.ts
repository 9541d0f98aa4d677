import { MAX_PEER_DATA_BYTES } from "../peers/peer.js";
import type { HandshakeRequest } from "../peers/handshake-info.js";
import type { HandlerModule } from "../sandbox/handler-module.js";
import { HookError } from "../sandbox/requests.js";

export type HandshakeAnswer = { ok: true; data?: string } | { ok: false; status: number; reason: string };

/**
 * Asks the endpoint's onHandshake(request). It accepts by returning anything
 * but `false` (a JSON value other than true/null/undefined becomes the
 * connection's first `data`); it refuses by returning false (403) or by
 * throwing (403, or the error's `status` when that is 401 or 403, with its
 * message as the reason). No answer in time, a CPU-limit stop or a sandbox
 * that went away refuse with 503.
 */
export async function askHandshakeHook(module: HandlerModule, request: HandshakeRequest, timeoutMs: number): Promise<HandshakeAnswer> {
  let value: unknown;
  try {
    value = await module.request("onHandshake", [request], timeoutMs);
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    const message = String((error as Error)?.message ?? error);
    if (error instanceof HookError && !/ran past the CPU limit/.test(message)) {
      return { ok: false, status: status === 401 ? 401 : 403, reason: message };
    }
    return { ok: false, status: 503, reason: `onHandshake did not answer: ${message}` };
  }
  if (value === false) return { ok: false, status: 403, reason: "onHandshake returned false" };
  if (value === undefined || value === null || value === true) return { ok: true };
  const data = JSON.stringify(value);
  if (Buffer.byteLength(data) > MAX_PEER_DATA_BYTES) {
    return { ok: false, status: 500, reason: `onHandshake returned more than ${MAX_PEER_DATA_BYTES} bytes of data` };
  }
  return { ok: true, data };
}
