/**
 * The errors a cluster's promises reject with. Each carries `code` (evQueue's
 * error-code for an ApiError, else one of ClusterErrorCodes) and `node` (the
 * node that answered or failed); the script sees name, message, code and node.
 */

/** Why a node is in ERROR, or why a call to it failed. */
export const ClusterErrorCodes = {
  /** The node refused the credentials (or asked for some and none were configured). */
  authentication: "AUTHENTICATION",
  /** The node could not be reached, or its connection dropped. */
  connection: "CONNECTION",
  /** The node sent something that is not evQueue's protocol. */
  protocol: "PROTOCOL",
  /** No answer in time. */
  timeout: "TIMEOUT",
  /** The cluster was closed (by Close(), or with the module that made it). */
  closed: "CLOSED",
} as const;
export type NodeFailure = typeof ClusterErrorCodes.authentication | typeof ClusterErrorCodes.connection | typeof ClusterErrorCodes.protocol;

/** The error names scripts see. */
export const ClusterErrorNames = {
  api: "ApiError",
  authentication: "AuthenticationError",
  connection: "ConnectionError",
  timeout: "TimeoutError",
} as const;

export class ClusterError extends Error {
  /** True when the call had gone out to the node before this: the command may have run there. */
  readonly sent?: true;

  constructor(
    name: string,
    message: string,
    readonly code: string,
    readonly node: string,
    sent = false,
  ) {
    super(message);
    this.name = name;
    if (sent) this.sent = true;
  }
}

/** A KO answer: evQueue's error-code and error text. */
export function apiError(node: string, code: string, message: string): ClusterError {
  return new ClusterError(ClusterErrorNames.api, message, code, node);
}

/**
 * The error of a failed node, as a call to it rejects. `sent`: the call had
 * gone out before the failure, so it may have run (the message says so).
 */
export function failureError(node: string, failure: NodeFailure, message: string, sent = false): ClusterError {
  const name = failure === ClusterErrorCodes.authentication ? ClusterErrorNames.authentication : ClusterErrorNames.connection;
  return new ClusterError(name, sent ? `${message}; the command had been sent, so it may have run there (it is not sent to another node)` : message, failure, node, sent);
}

export function timeoutError(node: string, message: string): ClusterError {
  return new ClusterError(ClusterErrorNames.timeout, message, ClusterErrorCodes.timeout, node);
}

export function closedError(node: string, why: string, sent = false): ClusterError {
  return new ClusterError(ClusterErrorNames.connection, sent ? `${why}; the command had been sent, so it may have run` : why, ClusterErrorCodes.closed, node, sent);
}

/**
 * Whether a failed call may go to the next node: only when the node could
 * not be reached and the call never went out (never after a sign-in failure,
 * an answer, a timeout, or a drop once it was sent: it may have run).
 */
export function mayFailOver(error: unknown): boolean {
  return error instanceof ClusterError && error.code === ClusterErrorCodes.connection && error.sent !== true;
}
