import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";

/**
 * Refuses a WebSocket handshake with a real HTTP status and a body that says
 * why; the socket is destroyed once the response is written. `headers` are
 * added as given (names and values must be header-safe).
 */
export function rejectHandshake(socket: Duplex, status: number, body: string, headers: Readonly<Record<string, string>> = {}): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const text = body.endsWith("\n") ? body : `${body}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\n` +
      "Connection: close\r\n" +
      "Content-Type: text/plain; charset=utf-8\r\n" +
      Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("") +
      `Content-Length: ${Buffer.byteLength(text)}\r\n` +
      "\r\n" +
      text,
    () => socket.destroy(),
  );
}
