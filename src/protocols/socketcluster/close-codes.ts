/** SocketCluster's close codes (the client reconnects below 4500 and gives up from 4500). */
export const ScCloseCodes = {
  /** The client heard no ping in time (the client closes with it). */
  pingTimeout: 4000,
  /** The client sent nothing (no pong) within pingTimeoutMs. */
  pongTimeout: 4001,
  /** The server could not answer the handshake. */
  handshakeFailed: 4003,
  /** No #handshake within handshakeTimeoutMs. */
  handshakeTimeout: 4005,
  /** onHandshake refused the connection; the client tries again. */
  handshakeRejected: 4008,
  /** A frame other than #handshake came first. */
  messageBeforeHandshake: 4009,
  /** onHandshake refused the connection for good (the client does not try again). */
  handshakeRejectedPermanently: 4508,
} as const;
