// One aerostat node as its own process (`aerostat serve … --log-format json`),
// for tests that run several nodes side by side: start it with any flags on a
// project folder, read its URL from the JSON banner, then kill it (SIGKILL, as
// a crash) or stop it (SIGTERM, a clean shutdown). killAll() in cli-process.ts
// also kills nodes a test left running.
import { CliProcess } from "./cli-process.ts";

/** What the JSON banner says of one endpoint. */
export interface BannerEndpoint {
  readonly endpoint: string;
  readonly url: string;
  readonly problem?: string;
}

/** The JSON banner `aerostat serve --log-format json` prints once it listens. */
export interface NodeBanner {
  /** The server's base URL, `http://127.0.0.1:PORT` (no trailing slash). */
  readonly url: string;
  readonly projectRoot: string;
  readonly endpoints: readonly BannerEndpoint[];
  readonly dashboard?: string;
}

export interface NodeStartOptions {
  /** More `serve` flags: `["--engine", "redis", "--redis-url", url, "--node-name", "n1"]`. */
  readonly flags?: readonly string[];
  /** Port to listen on (0, the default, picks a free one). */
  readonly port?: number;
  /** How long to wait for the banner before giving up (the node is then killed). */
  readonly timeoutMs?: number;
}

/** A running `aerostat serve` process. */
export class AerostatNode {
  private constructor(
    readonly root: string,
    readonly process: CliProcess,
    readonly banner: NodeBanner,
    /** The extra flags it was started with. */
    readonly flags: readonly string[],
  ) {}

  /** Starts `aerostat serve <root>` on 127.0.0.1 and resolves once its banner is printed. */
  static async start(root: string, options: NodeStartOptions = {}): Promise<AerostatNode> {
    const args = ["serve", root, "--port", String(options.port ?? 0), "--host", "127.0.0.1", "--log-format", "json", ...(options.flags ?? [])];
    const proc = new CliProcess(args);
    const started = proc.waitFor(/^(\{.*"msg":"serving [^\n]*\})\n/m, options.timeoutMs ?? 20_000);
    // A node that exits before its banner (a bad flag, an unreachable engine) fails at once, with its output.
    const exitedFirst = proc.exited.then((code) => {
      throw new Error(`aerostat ${args.join(" ")} exited (${code ?? proc.child.signalCode}) before serving:\n${proc.output()}`);
    });
    // Whichever loses the race must not surface later as an unhandled rejection.
    started.catch(() => undefined);
    exitedFirst.catch(() => undefined);
    try {
      const [, line] = await Promise.race([started, exitedFirst]);
      return new AerostatNode(root, proc, JSON.parse(line!) as NodeBanner, options.flags ?? []);
    } catch (error) {
      proc.child.kill("SIGKILL");
      throw error;
    }
  }

  /** `http://127.0.0.1:PORT` */
  get url(): string {
    return this.banner.url;
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  get pid(): number {
    return this.process.child.pid!;
  }

  /** The WebSocket URL of `endpoint` on this node. */
  wsUrl(endpoint: string): string {
    return `${this.url.replace(/^http/, "ws")}/websockets/v4/service/${endpoint}`;
  }

  /** Everything the node printed so far (JSON log lines). */
  output(): string {
    return this.process.output();
  }

  /** The JSON log lines printed so far, parsed (the banner included). */
  logLines(): Record<string, unknown>[] {
    return this.output()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  }

  /** Resolves with the first match of `pattern` in the node's output, waiting for it. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray> {
    return this.process.waitFor(pattern, timeoutMs);
  }

  /** Kills the node outright (SIGKILL): no close frames, no goodbye to the engine, as in a crash. */
  async kill(): Promise<void> {
    if (this.process.child.exitCode === null && this.process.child.signalCode === null) this.process.child.kill("SIGKILL");
    await this.process.exited;
  }

  /** Stops the node as Ctrl-C does (SIGTERM) and resolves with its exit code; SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<number | null> {
    const child = this.process.child;
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    try {
      return await this.process.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** A new node on the same folder, port and flags (after kill() or stop()). */
  restart(options: NodeStartOptions = {}): Promise<AerostatNode> {
    return AerostatNode.start(this.root, { flags: this.flags, port: this.port, ...options });
  }
}
