// Chat: every message goes to everyone else on the endpoint.
import { broadcast, getSessions } from "net/v4/websockets";

export function onOpen(connection) {
  broadcast(`* ${connection.id} joined (${getSessions("chat").length} here)`, { endpoint: "chat", except: [connection] });
}

export function onMessage(message, connection) {
  broadcast(`${connection.id}: ${message}`, { endpoint: "chat", except: [connection] });
}

export function onClose(connection) {
  broadcast(`* ${connection.id} left`, { endpoint: "chat" });
}
