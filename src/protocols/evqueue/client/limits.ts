/** Bounds of createCluster (README, "evQueue clients"): what one script may hold, and how long anything waits. */
export const ClusterLimits = {
  /** Clusters one handler module may have open; the next createCluster throws a RangeError. */
  maxClustersPerModule: 16,
  /** Nodes one cluster may have. */
  maxNodesPerCluster: 32,
  /** API calls one cluster may have waiting for an answer; the next rejects with a RangeError. */
  maxPendingCalls: 1000,
  /** Subscriptions one cluster may keep; the next Subscribe rejects with a RangeError. */
  maxSubscriptions: 1000,
  /** Characters of a node as the script gives it (a URL or a connection name). */
  maxNodeChars: 2048,
  /** Characters of one API command as XML. */
  maxCommandChars: 1024 * 1024,
  /** What an API call (or a Subscribe waiting for its nodes) waits at most, failovers included. */
  callTimeoutMs: 30_000,
  /** The WebSocket handshake of a node, at most. */
  handshakeTimeoutMs: 10_000,
  /** From the handshake to <ready> (sign-in included), at most. */
  signInTimeoutMs: 10_000,
  /** A node that refused the credentials is tried again after this long (the operator may fix the user meanwhile). */
  authRetryMs: 60_000,
  /** Bytes of one frame from a node. */
  maxFrameBytes: 8 * 1024 * 1024,
  /** Characters of one frame from a node that are parsed: as many as its bytes can be (the server role's own bound on commands is lower). */
  maxFrameChars: 8 * 1024 * 1024,
  /** Tags ("<") of one frame from a node that are parsed: a large answer (thousands of instances) fits, a pathological one is refused unparsed. */
  maxFrameTags: 1_000_000,
  /** Events of one node's socket the handler is asked about at once; its reads pause past this. */
  eventWindow: 64,
  /** A ping goes to each open socket this often; one with no pong by the next is dropped. */
  pingIntervalMs: 30_000,
} as const;
