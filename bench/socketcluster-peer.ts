// The peer of the socketcluster benchmark: socketcluster-server 20 on its own
// http server, doing the same work as the aerostat project: a procedure "echo"
// that answers its data, and channels clients may publish on (no middleware).
// It listens on the path aerostat's endpoint has, so the clients are the same.
//
//   node bench/socketcluster-peer.ts /websockets/v4/service/sc
import { createServer } from "node:http";
import { attach } from "socketcluster-server";

const path = process.argv[2] ?? "/socketcluster/";
const http = createServer((_req, res) => res.writeHead(501).end());
const server = attach(http, { path, allowClientPublish: true, perMessageDeflate: false });

void (async () => {
  for await (const { socket } of server.listener("connection")) {
    void (async () => {
      for await (const request of socket.procedure("echo")) request.end(request.data);
    })();
  }
})();

http.listen(0, "127.0.0.1", () => {
  const { port } = http.address() as { port: number };
  console.log(`socketcluster-server at http://127.0.0.1:${port}${path}`);
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(0));
