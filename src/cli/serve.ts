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
}

/** `aerostat serve <projectRoot>`: start, print the endpoint URLs, stop cleanly on SIGINT/SIGTERM. */
export async function serve(projectRoot: string, flags: ServeFlags): Promise<void> {
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
    });
    await runtime.listen();
  } catch (error) {
    process.stderr.write(`aerostat: ${error instanceof AerostatError ? error.toString() : String(error)}\n`);
    process.exit(1);
  }
  const lines = [`aerostat serving ${runtime.options.projectRoot} at ${runtime.url}/`];
  for (const e of runtime.endpoints()) lines.push(`  ${e.endpoint.padEnd(16)} ${e.url}${e.problem ? `  (not serving: ${e.problem})` : ""}`);
  if (runtime.endpoints().length === 0) lines.push("  no endpoints yet: add a .websocket descriptor");
  if (runtime.dashboardUrl) lines.push(`dashboard        ${runtime.dashboardUrl}`);
  lines.push(`client library   ${runtime.url}/websockets/v4/client.js`);
  process.stdout.write(`${lines.join("\n")}\n`);

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
