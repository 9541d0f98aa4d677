// The peer of the cross-node benchmark: one socket.io 4 server node with the
// Redis adapter (@socket.io/redis-adapter on node-redis). Every "m" event a
// client emits is broadcast to every other socket of the namespace, on every
// node sharing the Redis.
//
//   node bench/socketio-node.ts redis://127.0.0.1:6379
import { createServer } from "node:http";
import { createAdapter } from "@socket.io/redis-adapter";
import { createClient } from "redis";
import { Server } from "socket.io";

const redisUrl = process.argv[2];
if (!redisUrl) {
  console.error("usage: node bench/socketio-node.ts <redis url>");
  process.exit(2);
}
const pub = createClient({ url: redisUrl });
const sub = pub.duplicate();
for (const c of [pub, sub]) c.on("error", (e: Error) => console.error(`redis: ${e.message}`));
await Promise.all([pub.connect(), sub.connect()]);

const http = createServer();
const io = new Server(http, { adapter: createAdapter(pub, sub), transports: ["websocket"], perMessageDeflate: false });
io.on("connection", (socket) => {
  socket.on("m", (message: string) => socket.broadcast.emit("m", message));
});
http.listen(0, "127.0.0.1", () => {
  const { port } = http.address() as { port: number };
  console.log(`socket.io node at http://127.0.0.1:${port}/`);
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(0));
