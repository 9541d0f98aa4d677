import { spawn, type ChildProcess } from "node:child_process";
import { afterAll } from "vitest";
import { freePort } from "./redis-server.js";
import { killAndWait, waitForServer } from "./server-process.js";
import { reachable } from "./services.js";

/** The nats-server the listener tests start (Debian's nats-server package; scripts/ensure-services.sh installs it). */
export const NATS_SERVER = process.env.AEROSTAT_NATS_SERVER ?? "/usr/sbin/nats-server";

/** A private nats-server on a free loopback port, to kill and start again; stopped after the test file. */
export class NatsServer {
  private process: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly args: readonly string[],
  ) {}

  /** `args`: more nats-server options, such as ["--user", "u", "--pass", "p"]. */
  static async start(args: readonly string[] = []): Promise<NatsServer> {
    const server = new NatsServer(await freePort(), args);
    running.add(server);
    await server.restart();
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Starts it (again) on its port and waits until the port answers. */
  async restart(): Promise<void> {
    const child = spawn(NATS_SERVER, ["-a", "127.0.0.1", "-p", String(this.port), ...this.args], { stdio: "ignore" });
    this.process = child;
    await waitForServer(child, `nats-server on port ${this.port}`, () => reachable("127.0.0.1", this.port));
  }

  /** SIGKILL, and waits until the process is gone. */
  async kill(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    await killAndWait(child);
  }

  async stop(): Promise<void> {
    running.delete(this);
    await this.kill();
  }
}

const running = new Set<NatsServer>();

afterAll(async () => {
  await Promise.all([...running].map((s) => s.stop()));
});
