// The performance targets, checked by `npm run bench:check` against bench-results/bench.json.

export interface Figure {
  readonly aerostat: number;
  readonly ws?: number;
  /** The cross-node peer: socket.io 4 with @socket.io/redis-adapter. */
  readonly socketio?: number;
  /** The socketcluster peer: socketcluster-server 20. */
  readonly socketcluster?: number;
  /** aerostat ÷ the peer (ws, socket.io or socketcluster-server), the median of per-round ratios. */
  readonly ratio?: number;
}

export interface BenchReport {
  readonly when: string;
  readonly smoke: boolean;
  readonly rounds: number;
  readonly pinned: boolean;
  readonly node: string;
  readonly idleConnections: number;
  readonly figures: Record<string, Figure>;
}

/** bench-results/cross-node.json, from `npm run bench -- --cross-node`. */
export interface CrossNodeReport {
  readonly when: string;
  readonly smoke: boolean;
  readonly rounds: number;
  readonly pinned: boolean;
  readonly node: string;
  /** Receiving sessions, spread over the two nodes. */
  readonly sessions: number;
  /** How long each measured run publishes, and how many messages are in flight at once. */
  readonly seconds: number;
  readonly window: number;
  readonly figures: Record<string, Figure>;
}

/** bench-results/socketcluster.json, from `npm run bench -- --socketcluster`. */
export interface SocketClusterReport {
  readonly when: string;
  readonly smoke: boolean;
  readonly rounds: number;
  readonly pinned: boolean;
  readonly node: string;
  /** Sockets invoking "echo", one call in flight each. */
  readonly clients: number;
  /** Sockets subscribed to the fan-out channel. */
  readonly receivers: number;
  /** How long each measured load runs, and how many publications are in flight at once. */
  readonly seconds: number;
  readonly window: number;
  readonly figures: Record<string, Figure>;
}

export interface Target {
  /** Which results file holds the figure: bench.json (the default), cross-node.json or socketcluster.json. */
  readonly report?: "cross-node" | "socketcluster";
  readonly figure: string;
  readonly text: string;
  readonly met: (f: Figure) => boolean;
}

export const TARGETS: readonly Target[] = [
  { figure: "cpuMicrosPerMsg", text: "≤ 1.15× ws", met: (f) => (f.ratio ?? Infinity) <= 1.15 },
  { figure: "p50ms1", text: "≤ 1.5× ws", met: (f) => (f.ratio ?? Infinity) <= 1.5 },
  { figure: "p99ms1000", text: "≤ 1.5× ws", met: (f) => (f.ratio ?? Infinity) <= 1.5 },
  { figure: "extraRssKbPerIdleConn", text: "≤ 2 KB over ws", met: (f) => f.aerostat <= 2 },
  { figure: "coldStartMs", text: "≤ 50 ms", met: (f) => f.aerostat <= 50 },
  { figure: "hotSwapMs", text: "≤ 20 ms", met: (f) => f.aerostat <= 20 },
  { figure: "loopBlockMs", text: "never > 20 ms", met: (f) => f.aerostat <= 20 },
  { figure: "binarySendMs", text: "≤ 10 ms", met: (f) => f.aerostat <= 10 },
  { figure: "lateSendRatio", text: "≤ 1.5×", met: (f) => f.aerostat <= 1.5 },
  { report: "cross-node", figure: "crossNode.deliveriesPerSec", text: "≥ socket.io's", met: (f) => (f.ratio ?? 0) >= 1 },
  { report: "cross-node", figure: "crossNode.p99ms", text: "≤ socket.io's", met: (f) => (f.ratio ?? Infinity) <= 1 },
  { report: "socketcluster", figure: "sc.callsPerSec", text: "≥ socketcluster-server's", met: (f) => (f.ratio ?? 0) >= 1 },
  { report: "socketcluster", figure: "sc.invokeP99ms", text: "≤ socketcluster-server's", met: (f) => (f.ratio ?? Infinity) <= 1 },
  { report: "socketcluster", figure: "sc.deliveriesPerSec", text: "≥ socketcluster-server's", met: (f) => (f.ratio ?? 0) >= 1 },
  { report: "socketcluster", figure: "sc.fanoutP99ms", text: "≤ socketcluster-server's", met: (f) => (f.ratio ?? Infinity) <= 1 },
];
