/** The host operations net/v4/websockets calls, by name (shared by its guest module and its host ops). */
export const WebsocketsOps = {
  /** immediate: [uri, handler, engine] → client metadata, or { error, kind? } */
  clientCreate: "websockets.clients.create",
  /** immediate: [] → client metadata[] */
  clientList: "websockets.clients.list",
  /** immediate: [id] → client metadata | null */
  clientGet: "websockets.clients.get",
  /** immediate: [handler] → client metadata | null */
  clientByHandler: "websockets.clients.byHandler",
  /** immediate: [endpoint|""] → session metadata[] */
  sessionList: "websockets.sessions.list",
  /** immediate: [id] → session metadata | null */
  sessionGet: "websockets.sessions.get",
  /** immediate: [id] → the session's handshake request as JSON text | null */
  sessionRequest: "websockets.sessions.request",
  /** immediate: [id] → the peer's data as JSON text | null */
  dataGet: "websockets.data.get",
  /** posted: [id, jsonText] → keeps it as the peer's data (at most 64 KiB) */
  dataSet: "websockets.data.set",
  /** posted: [endpoint|"", exceptIds, text] → sends text to every session of the endpoint (or project) */
  broadcast: "websockets.broadcast",
  /** deferred: [id, text] or [id, base64, true] → true when sent here or handed to the node that holds the id; false otherwise */
  sendTo: "websockets.sendTo",
  /** deferred: [endpoint|""] → sessions of the project (of one endpoint) on every live node */
  countSessions: "websockets.countSessions",
} as const;
