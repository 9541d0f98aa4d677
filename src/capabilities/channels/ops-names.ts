/** The operations of net/v4/channels, by name (shared by its guest module and its host ops). */
export const ChannelsOps = {
  /** deferred: [channel, dataJson, exceptIds[]] → {offset, epoch} on a history channel, else null, once the engine took it */
  publish: "channels.publish",
  /** immediate: [channel] → ids of this node's subscribers */
  subscribers: "channels.subscribers",
  /** deferred: [channel] → {count} over every node */
  presence: "channels.presence",
  /** deferred: [channel, epoch|null, offset|null, limit] → {epoch, offset, recovered, publications} */
  history: "channels.history",
  /** posted: [channel] → the module's onPublication hears the channel */
  listen: "channels.listen",
  /** posted: [channel] */
  unlisten: "channels.unlisten",
  /** immediate: [sessionId] → the verified token payload, or null */
  authToken: "channels.authToken",
  /** immediate: [sessionId] → the channels the connection is subscribed to */
  subscriptions: "channels.subscriptions",
  /** deferred: [sessionId, payloadJson, expiresInSeconds|null] → null once the token was signed and sent */
  setAuthToken: "channels.setAuthToken",
  /** posted: [sessionId] */
  deauthenticate: "channels.deauthenticate",
  /** deferred: [sessionId, procedure, dataJson, ackTimeoutMs|null] → the client's answer */
  invoke: "channels.invoke",
  /** posted: [sessionId, receiver, dataJson] */
  transmit: "channels.transmit",
  /** immediate: [sessionId, channel] → null */
  subscribe: "channels.subscribe",
  /** posted: [sessionId, channel, messageJson] */
  kickOut: "channels.kickOut",
} as const;

/** The event a listening module gets (see channel-index.ts): where = channel, payload = {"data", "offset"?, "epoch"?}. */
export const ChannelsKinds = {
  publication: "channels.publication",
} as const;

export const ChannelsLimits = {
  /** Characters of a channel, procedure or receiver name. */
  maxNameChars: 512,
  /** Characters of published or sent data as JSON text. */
  maxDataChars: 1024 * 1024,
  /** Publications one history() call returns at most. */
  maxHistory: 1000,
  /** Channels one module may listen() to at once; the next listen() throws a RangeError. */
  maxListens: 1000,
} as const;
