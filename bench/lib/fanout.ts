// The cross-node fan-out load: one publisher sends timestamped messages through
// node A, every receiver (spread over nodes A and B) gets each one, and the
// bench process (publisher and receivers alike) times publish → receipt on one
// clock. The publisher keeps `window` messages in flight: a message is done
// when every receiver has it, and each done message lets the next one go.

/** Clients of one system (aerostat or socket.io), connected and ready. */
export interface FanoutFleet {
  /** How many receivers there are (the publisher is not one). */
  readonly receivers: number;
  /** Sends one text message through node A. */
  publish(text: string): void;
  /** Calls `fn` with every message any receiver gets, and that receiver's index. */
  onDelivery(fn: (text: string, receiver: number) => void): void;
  close(): Promise<void>;
}

export interface FanoutResult {
  readonly messages: number;
  readonly deliveries: number;
  /** Deliveries that never came (0 unless something dropped messages). */
  readonly lost: number;
  /** From the first publish to the last receipt. */
  readonly seconds: number;
  readonly deliveriesPerSec: number;
  readonly p50ms: number;
  readonly p99ms: number;
  /** Share of one core the bench process itself used meanwhile (near 100 means it, not the servers, set the pace). */
  readonly loadCpuPct: number;
  /** The bench process's CPU per delivery (µs): what receiving costs the clients. */
  readonly loadCpuMicrosPerDelivery: number;
}

const PAD = "x".repeat(64);
/** `<seq> <sentAt> xxx…`, 64 bytes. */
const frame = (seq: number) => {
  const head = `${seq} ${performance.now().toFixed(3)} `;
  return head + PAD.slice(head.length);
};

/**
 * Publishes a "warm" message every 50 ms until every receiver has had one (the
 * nodes have subscribed and every path is open). Rejects after `timeoutMs`.
 */
export async function warmUp(fleet: FanoutFleet, timeoutMs = 15_000): Promise<void> {
  const reached = new Uint8Array(fleet.receivers);
  let count = 0;
  let resolveAll!: () => void;
  const all = new Promise<void>((r) => (resolveAll = r));
  fleet.onDelivery((text, i) => {
    if (!text.startsWith("warm") || reached[i]) return;
    reached[i] = 1;
    if (++count === fleet.receivers) resolveAll();
  });
  const deadline = performance.now() + timeoutMs;
  let n = 0;
  while (count < fleet.receivers) {
    if (performance.now() > deadline) throw new Error(`warm-up: only ${count} of ${fleet.receivers} receivers got a message within ${timeoutMs} ms (do the nodes share one engine?)`);
    fleet.publish(`warm ${n++}`);
    await Promise.race([all, new Promise((r) => setTimeout(r, 50))]);
  }
  fleet.onDelivery(() => undefined);
}

export interface FanoutLoad {
  /** Messages kept in flight. */
  readonly window: number;
  /** Stop publishing after this many messages… */
  readonly messages?: number;
  /** …or after this many seconds, whichever comes first. */
  readonly seconds?: number;
  /** End the run when nothing arrived for this long (deliveries still missing count as lost). */
  readonly stallMs?: number;
}

/** Publishes with `window` messages in flight until the load's limit; resolves when every message arrived, or nothing came for `stallMs`. */
export function fanout(fleet: FanoutFleet, load: FanoutLoad): Promise<FanoutResult> {
  const receivers = fleet.receivers;
  const limit = load.messages ?? Infinity;
  const stallMs = load.stallMs ?? 5000;
  const latencies: number[] = [];
  const got: number[] = [];
  let done = 0;
  let sent = 0;
  let lastReceipt = 0;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const stopAt = started + (load.seconds ?? Infinity) * 1000;
  const more = () => sent < limit && performance.now() < stopAt;
  return new Promise((resolve) => {
    const finish = () => {
      clearInterval(watchdog);
      fleet.onDelivery(() => undefined);
      const deliveries = latencies.length;
      const seconds = (lastReceipt - started) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const sample = Float64Array.from(latencies).sort();
      const at = (p: number) => (deliveries ? sample[Math.min(deliveries - 1, Math.ceil((p / 100) * deliveries) - 1)]! : Number.NaN);
      resolve({
        messages: sent,
        deliveries,
        lost: sent * receivers - deliveries,
        seconds,
        deliveriesPerSec: deliveries / seconds,
        p50ms: at(50),
        p99ms: at(99),
        loadCpuPct: ((cpu.user + cpu.system) / 1000 / (performance.now() - started)) * 100,
        loadCpuMicrosPerDelivery: (cpu.user + cpu.system) / deliveries,
      });
    };
    let progressAt = performance.now();
    const watchdog = setInterval(() => {
      if (performance.now() - progressAt > stallMs) finish();
    }, 100);
    fleet.onDelivery((text) => {
      if (text.startsWith("warm")) return;
      const now = performance.now();
      const space = text.indexOf(" ");
      const seq = Number(text.slice(0, space));
      latencies.push(now - Number(text.slice(space + 1, text.indexOf(" ", space + 1))));
      lastReceipt = now;
      progressAt = now;
      const count = (got[seq] ?? 0) + 1;
      got[seq] = count;
      if (count === receivers) {
        done++;
        if (more()) fleet.publish(frame(sent++));
        else if (done === sent) finish();
      }
    });
    while (sent < load.window && more()) fleet.publish(frame(sent++));
  });
}
