import { createServer } from "node:net";
import { createRuntime } from "../runtime.js";
import type { DashboardAccess, ScriptServiceAccess } from "../config/options.js";
import { AerostatError } from "../errors/codes.js";
import { createLogger, type LogFormat } from "../log/logger.js";

export interface ServeFlags {
  port: number;
  host: string;
  cpuLimit: number;
  memoryLimit: number;
  watch: boolean;
  inlineDispatch: boolean;
  logFormat: LogFormat;
  dashboard: DashboardAccess;
  scriptServices: ScriptServiceAccess;
  allowOutbound?: string[];
  allowedHosts?: string[];
  /** --config NAME=VALUE entries. */
  config: Record<string, string>;
  /** --connection NAME=URL entries. */
  connection: Record<string, string>;
  engine: "memory" | "redis";
  redisUrl?: string;
  nodeName?: string;
  redisCluster?: boolean;
  authKeyFile?: string;
  /** --server-events-compat entries. */
  serverEventsCompat: string[];
}

/** `aerostat serve <projectRoot>`: start, print the endpoint URLs, stop cleanly on SIGINT/SIGTERM. */
export async function serve(projectRoot: string, flags: ServeFlags): Promise<void> {
  // A busy port is found before the project loads, with the way out.
  const busy = flags.port === 0 ? undefined : await portProblem(flags.port, flags.host);
  if (busy) {
    process.stderr.write(`aerostat: ${busy}\n`);
    process.exit(1);
  }
  let runtime;
  try {
    runtime = createRuntime({
      projectRoot,
      port: flags.port,
      host: flags.host,
      cpuLimitMs: flags.cpuLimit,
      memoryLimitMb: flags.memoryLimit,
      watch: flags.watch,
      inlineDispatch: flags.inlineDispatch,
      dashboard: flags.dashboard,
      scriptServices: flags.scriptServices,
      logger: createLogger(flags.logFormat),
      ...(flags.allowOutbound ? { outboundHosts: flags.allowOutbound } : {}),
      ...(flags.allowedHosts ? { allowedHosts: flags.allowedHosts } : {}),
      configurations: flags.config,
      connections: flags.connection,
      engine: flags.engine,
      ...(flags.redisUrl !== undefined ? { redisUrl: flags.redisUrl } : {}),
      ...(flags.nodeName !== undefined ? { nodeName: flags.nodeName } : {}),
      ...(flags.redisCluster ? { redisCluster: true } : {}),
      ...(flags.authKeyFile !== undefined ? { authKeyFile: flags.authKeyFile } : {}),
      ...(flags.serverEventsCompat.length > 0 ? { serverEventsCompat: flags.serverEventsCompat } : {}),
    });
    await runtime.listen();
  } catch (error) {
    process.stderr.write(`aerostat: ${error instanceof AerostatError ? error.toString() : String(error)}\n`);
    process.exit(1);
  }
  // Listening on every interface (0.0.0.0, ::): links name this machine's loopback, which works from here.
  const everywhere = runtime.url.includes("//0.0.0.0:") || runtime.url.includes("//[::]:");
  const usable = (url: string) => url.replace(/\/\/(0\.0\.0\.0|\[::\]):/, "//127.0.0.1:");
  const base = usable(runtime.url);
  const endpoints = runtime.endpoints().map((e) => ({ endpoint: e.endpoint, url: usable(e.url), ...(e.problem ? { problem: e.problem } : {}) }));
  const dashboard = runtime.dashboardUrl ? usable(runtime.dashboardUrl) : undefined;
  if (flags.logFormat === "json") {
    // Written whatever the log level: the banner is what tools wait for.
    const banner = { level: 30, time: Date.now(), name: "aerostat", projectRoot: runtime.options.projectRoot, url: base, everywhere, endpoints, dashboard };
    process.stdout.write(`${JSON.stringify({ ...banner, client: `${base}/websockets/v4/client.js`, msg: `serving ${runtime.options.projectRoot} at ${base}/` })}\n`);
  } else {
    const lines = [`aerostat serving ${runtime.options.projectRoot} at ${base}/${everywhere ? " (listening on every interface)" : ""}`];
    for (const e of endpoints) lines.push(`  ${e.endpoint.padEnd(16)} ${e.url}${e.problem ? `  (not serving: ${e.problem})` : ""}`);
    if (endpoints.length === 0) lines.push("  no endpoints yet: add a .websocket descriptor");
    if (dashboard) lines.push(`dashboard        ${dashboard}`);
    lines.push(`client library   ${base}/websockets/v4/client.js`);
    process.stdout.write(`${lines.join("\n")}\n`);
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    runtime.log.info({ signal }, "shutting down");
    const timer = setTimeout(() => process.exit(1), 5000);
    await runtime.close();
    clearTimeout(timer);
    process.exit(0);
  };
  // A rejected promise nobody handled would make Node exit. It can only be a bug
  // in aerostat, and the server's state is still sound: log it and keep serving.
  process.on("unhandledRejection", (reason) =>
    runtime.log.error({ err: reason }, "unhandled promise rejection in aerostat (a bug; please report it); still serving"),
  );
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

/** Why `port` on `host` cannot be listened on (in use, not allowed), or undefined when it can. */
function portProblem(port: number, host: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => {
      const why = error.code === "EADDRINUSE" ? "is in use" : error.code === "EACCES" ? "may not be used by this user" : `cannot be used (${error.code})`;
      resolve(`port ${port} on ${host} ${why}. Stop what uses it, or pass --port 0 for a free one.`);
    });
    probe.listen(port, host, () => probe.close(() => resolve(undefined)));
  });
}
