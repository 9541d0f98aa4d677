/** Every WebSocket close code the host sends, and why. */
export const CloseCodes = {
  /** A normal close; what a script's close() sends without a code. */
  normal: 1000,
  /** The endpoint was removed, the server is shutting down, or the session was idle too long. */
  goingAway: 1001,
  /** A peer sent what the protocol does not allow (or flooded past its limits). */
  policyViolation: 1008,
  /** A frame larger than the endpoint's maxPayload. */
  messageTooBig: 1009,
  /** The endpoint's handler was disabled after repeated sandbox crashes. */
  internalError: 1011,
  /** Reconnect: the endpoint now runs a different handler module or protocol options, or (MonoRail) the connection missed watched changes. */
  serviceRestart: 1012,
  /** The peer reads too slowly: too many bytes wait unsent. */
  tryAgainLater: 1013,
} as const;
export type CloseCode = (typeof CloseCodes)[keyof typeof CloseCodes];

/** Whether a script may close with `code`: 1000, or an application code 3000–4999. */
export function scriptCloseCode(code: unknown): code is number {
  return code === CloseCodes.normal || (typeof code === "number" && Number.isInteger(code) && code >= 3000 && code <= 4999);
}
