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
  constructor(
    name: string,
    message: string,
    readonly code: string,
    readonly node: string,
  ) {
    super(message);
    this.name = name;
  }
}

/** A KO answer: evQueue's error-code and error text. */
export function apiError(node: string, code: string, message: string): ClusterError {
  return new ClusterError(ClusterErrorNames.api, message, code, node);
}

/** The error of a failed node, as a call to it rejects. */
export function failureError(node: string, failure: NodeFailure, message: string): ClusterError {
  const name = failure === ClusterErrorCodes.authentication ? ClusterErrorNames.authentication : ClusterErrorNames.connection;
  return new ClusterError(name, message, failure, node);
}

export function timeoutError(node: string, message: string): ClusterError {
  return new ClusterError(ClusterErrorNames.timeout, message, ClusterErrorCodes.timeout, node);
}

export function closedError(node: string, why: string): ClusterError {
  return new ClusterError(ClusterErrorNames.connection, why, ClusterErrorCodes.closed, node);
}

/** Whether a failed call may go to the next node: only when the node could not be reached (never after a sign-in failure, an answer or a timeout). */
export function mayFailOver(error: unknown): boolean {
  return error instanceof ClusterError && error.code === ClusterErrorCodes.connection;
}
