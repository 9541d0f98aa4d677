// Chat: every message goes to everyone else on the endpoint, on every node.
import { broadcast, countSessions } from "net/v4/websockets";

export async function onOpen(connection) {
  // countSessions counts the sessions of every node sharing the engine (this one alone by default).
  const here = await countSessions("chat");
  broadcast(`* ${connection.id} joined (${here} here)`, { endpoint: "chat", except: [connection] });
}

export function onMessage(message, connection) {
  broadcast(`${connection.id}: ${message}`, { endpoint: "chat", except: [connection] });
}

export function onClose(connection) {
  broadcast(`* ${connection.id} left`, { endpoint: "chat" });
}
