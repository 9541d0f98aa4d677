import { spawn, type ChildProcess, execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { rm } from "node:fs/promises";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll } from "vitest";
import { killAndWait, waitForServer } from "./server-process.js";

/** The redis-server the engine tests start (scripts/ensure-redis.sh installs it). */
export const REDIS_SERVER = process.env.AEROSTAT_REDIS_SERVER ?? "/usr/bin/redis-server";
const REDIS_CLI = process.env.AEROSTAT_REDIS_CLI ?? path.join(path.dirname(REDIS_SERVER), "redis-cli");

/** A free loopback port (it may be taken again before it is used; the caller retries nothing). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Sends one inline command and resolves with the first reply line, or rejects (refused, closed, or no answer in `timeoutMs`). */
export function ask(port: number, command: string, timeoutMs = 500): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    let text = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to ${command} on port ${port}`));
    }, timeoutMs);
    socket.on("connect", () => socket.write(`${command}\r\n`));
    socket.on("data", (d) => {
      text += d.toString();
      if (text.includes("\r\n")) {
        clearTimeout(timer);
        socket.end();
        resolve(text);
      }
    });
    socket.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/**
 * A private redis-server on a free loopback port: no persistence, so a kill
 * loses everything as a crashed Redis would. kill() is SIGKILL; restart()
 * starts it again on the same port. Stopped after the test file (after the
 * runtimes the tests started, which close after each test).
 */
export class RedisServer {
  private process: ChildProcess | undefined;
  private readonly dir = mkdtempSync(path.join(tmpdir(), "aerostat-redis-"));

  private constructor(
    readonly port: number,
    private readonly extraArgs: readonly string[],
  ) {}

  /** Starts one and waits until it answers PING. */
  static async start(extraArgs: readonly string[] = []): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), extraArgs);
    running.add(server);
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it (again) on its port and waits until it answers PING. */
  async restart(): Promise<void> {
    const args = ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", this.dir, ...this.extraArgs];
    const child = spawn(REDIS_SERVER, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d.toString()));
    this.process = child;
    const pong = async () => (await ask(this.port, "PING").catch(() => "")).startsWith("+PONG");
    await waitForServer(child, `redis-server on port ${this.port}`, pong, () => stderr);
  }

  /** SIGKILL, and waits until the process is gone. */
  async kill(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    await killAndWait(child);
  }

  /** Freezes the process (SIGSTOP): connections stay open and nothing answers, as on a silent network drop. */
  pause(): void {
    this.process?.kill("SIGSTOP");
  }

  resume(): void {
    this.process?.kill("SIGCONT");
  }

  /** Runs redis-cli with these arguments against this server; resolves with its output. */
  async cli(...args: string[]): Promise<string> {
    const { stdout } = await promisify(execFile)(REDIS_CLI, ["-p", String(this.port), ...args]);
    return stdout;
  }

  async stop(): Promise<void> {
    running.delete(this);
    this.resume();
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * A Redis Cluster of `masters` redis-servers (no replicas), created with
 * `redis-cli --cluster create` and ready (`cluster_state:ok` on every node).
 */
export async function startRedisCluster(masters = 3): Promise<RedisServer[]> {
  const nodes: RedisServer[] = [];
  for (let i = 0; i < masters; i++) {
    nodes.push(await RedisServer.start(["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000"]));
  }
  await nodes[0]!.cli("--cluster", "create", ...nodes.map((n) => `127.0.0.1:${n.port}`), "--cluster-replicas", "0", "--cluster-yes");
  const deadline = Date.now() + 20_000;
  for (const node of nodes) {
    while (!(await node.cli("cluster", "info")).includes("cluster_state:ok")) {
      if (Date.now() > deadline) throw new Error(`the Redis Cluster on ports ${nodes.map((n) => n.port).join(", ")} did not reach cluster_state:ok`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return nodes;
}

const running = new Set<RedisServer>();

afterAll(async () => {
  await Promise.all([...running].map((s) => s.stop()));
});
