// The two kinds of client fleet the cross-node bench drives: plain WebSockets
// (what a browser opens to aerostat) and socket.io-client connections.
import { io, type Socket } from "socket.io-client";
import type { FanoutFleet } from "./fanout.ts";
import { closeAll, connect, connectMany } from "./load.ts";

/** Half the receivers on each node's URL, then the publisher on node A's. */
export async function wsFleet(urlA: string, urlB: string, receivers: number): Promise<FanoutFleet> {
  const sockets = [...(await connectMany(urlA, Math.ceil(receivers / 2))), ...(await connectMany(urlB, Math.floor(receivers / 2)))];
  const publisher = await connect(urlA);
  let deliver: (text: string, i: number) => void = () => undefined;
  sockets.forEach((ws, i) => ws.on("message", (data) => deliver(String(data), i)));
  return {
    receivers,
    publish: (text) => publisher.send(text),
    onDelivery: (fn) => (deliver = fn),
    close: () => closeAll([...sockets, publisher]),
  };
}

function ioConnect(url: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = io(url, { transports: ["websocket"], forceNew: true, reconnection: false, perMessageDeflate: false } as never);
    s.once("connect", () => resolve(s));
    s.once("connect_error", reject);
  });
}

async function ioConnectMany(url: string, count: number, wave = 250): Promise<Socket[]> {
  const out: Socket[] = [];
  for (let i = 0; i < count; i += wave) out.push(...(await Promise.all(Array.from({ length: Math.min(wave, count - i) }, () => ioConnect(url)))));
  return out;
}

/** The same with socket.io-client: half the receivers on each node, the publisher on node A. */
export async function socketIoFleet(urlA: string, urlB: string, receivers: number): Promise<FanoutFleet> {
  const sockets = [...(await ioConnectMany(urlA, Math.ceil(receivers / 2))), ...(await ioConnectMany(urlB, Math.floor(receivers / 2)))];
  const publisher = await ioConnect(urlA);
  let deliver: (text: string, i: number) => void = () => undefined;
  sockets.forEach((s, i) => s.on("m", (text: string) => deliver(text, i)));
  return {
    receivers,
    publish: (text) => publisher.emit("m", text),
    onDelivery: (fn) => (deliver = fn),
    close: async () => {
      for (const s of [...sockets, publisher]) s.disconnect();
    },
  };
}
