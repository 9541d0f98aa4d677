// Load for the socketcluster benchmark, driven by the stock socketcluster-client
// against either server (aerostat's endpoint or socketcluster-server): invoke
// round trips, and a channel fan-out fleet for lib/fanout.ts.
import { create, type AGClientSocket } from "socketcluster-client";
import type { FanoutFleet } from "./fanout.ts";

export interface ScTarget {
  readonly port: number;
  readonly path: string;
}

export function scConnect(target: ScTarget): Promise<AGClientSocket> {
  const socket = create({
    hostname: "127.0.0.1",
    port: target.port,
    path: target.path,
    autoReconnect: false,
    connectTimeout: 15_000,
    wsOptions: { perMessageDeflate: false },
  });
  return Promise.race([
    socket.listener("connect").once().then(() => socket),
    socket
      .listener("error")
      .once()
      .then(({ error }) => {
        socket.disconnect();
        throw error;
      }),
  ]);
}

export async function scConnectMany(target: ScTarget, count: number, wave = 250): Promise<AGClientSocket[]> {
  const out: AGClientSocket[] = [];
  for (let i = 0; i < count; i += wave) out.push(...(await Promise.all(Array.from({ length: Math.min(wave, count - i) }, () => scConnect(target)))));
  return out;
}

export function scCloseAll(sockets: readonly AGClientSocket[]): void {
  for (const s of sockets) {
    s.disconnect();
    s.killAllListeners();
  }
}

/**
 * Every socket invokes `procedure` with `payload`, awaits the answer and
 * invokes again, for `ms`. Returns the round-trip times (ms) of the calls
 * answered; a call answered with anything but its payload throws.
 */
export async function invokeLoop(sockets: readonly AGClientSocket[], procedure: string, payload: string, ms: number): Promise<number[]> {
  const times: number[] = [];
  const deadline = performance.now() + ms;
  await Promise.all(
    sockets.map(async (socket) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const answer: unknown = await socket.invoke(procedure, payload);
        times.push(performance.now() - t0);
        if (answer !== payload) throw new Error(`"${procedure}" answered ${JSON.stringify(answer)?.slice(0, 80)}, not its data`);
      }
    }),
  );
  return times;
}

/**
 * `receivers` sockets subscribed to `channel` (each subscription confirmed),
 * and one more socket that publishes on it with transmitPublish (the client
 * publish of the protocol: `#publish` without a cid).
 */
export async function scFleet(target: ScTarget, receivers: number, channel: string): Promise<FanoutFleet> {
  const sockets = await scConnectMany(target, receivers);
  const publisher = await scConnect(target);
  let deliver: (text: string, i: number) => void = () => undefined;
  await Promise.all(
    sockets.map(async (socket, i) => {
      const ch = socket.subscribe(channel);
      const subscribed = ch.listener("subscribe").once();
      const failed = ch.listener("subscribeFail").once().then(({ error }) => {
        throw error;
      });
      void (async () => {
        for await (const data of ch) deliver(data as string, i);
      })();
      await Promise.race([subscribed, failed]);
    }),
  );
  return {
    receivers,
    publish: (text) => void publisher.transmitPublish(channel, text).catch(() => undefined),
    onDelivery: (fn) => (deliver = fn),
    close: async () => scCloseAll([...sockets, publisher]),
  };
}
