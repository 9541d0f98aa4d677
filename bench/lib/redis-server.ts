// A private redis-server for one benchmark run: loopback only, on a free port,
// nothing written to disk (`--save "" --appendonly no`), killed at the end.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";

export const REDIS_SERVER = "/usr/bin/redis-server";

export interface RedisServer {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** A port nobody listens on right now (the server is started on it at once; a lost race is retried). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts redis-server (pinned to `core` when given) and resolves once it accepts connections. */
export async function startRedis(core?: number): Promise<RedisServer> {
  if (!existsSync(REDIS_SERVER)) {
    throw new Error(`${REDIS_SERVER} is missing: the cross-node benchmark needs Redis (Debian: apt-get install redis-server).`);
  }
  let last = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "notice"];
    const command = core === undefined ? [REDIS_SERVER, ...args] : ["taskset", "-c", String(core), REDIS_SERVER, ...args];
    const child = spawn(command[0]!, command.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 10_000);
      const poll = setInterval(() => {
        if (/Ready to accept connections/.test(out)) done(true);
      }, 20);
      const done = (ok: boolean) => {
        clearTimeout(timer);
        clearInterval(poll);
        resolve(ok);
      };
      child.once("exit", () => done(false));
    });
    if (ready) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      return {
        url: `redis://127.0.0.1:${port}`,
        child,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
          await exited;
        },
      };
    }
    child.kill("SIGKILL");
    last = out;
  }
  throw new Error(`redis-server did not start:\n${last}`);
}
