// The states of an evQueue connection and the errors the client rejects with.

/** What GetState() returns. */
export const States = Object.freeze({
  DISCONNECTED: "DISCONNECTED",
  CONNECTING: "CONNECTING",
  AUTHENTICATING: "AUTHENTICATING",
  READY: "READY",
  ERROR: "ERROR",
});

/**
 * An Error with a `code`: "AUTHENTICATION", "CONNECTION", "TIMEOUT", "CLOSED"
 * (the client's own), or the node's error-code of a KO answer (then
 * `response` holds the answer). `sent` says whether a command had gone out
 * (false: it surely did not run, so a cluster may send it to another node).
 */
export function evqError(message, code, fields = {}) {
  const error = new Error(message);
  error.code = code;
  for (const [key, value] of Object.entries(fields)) error[key] = value;
  return error;
}
