import { pino } from "pino";
import pretty from "pino-pretty";

/** The logging surface aerostat uses; a pino logger fits it. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export type LogFormat = "pretty" | "json";

/**
 * pino to stdout: JSON lines, or readable lines for a terminal. The level comes
 * from AEROSTAT_LOG_LEVEL (default "info").
 */
export function createLogger(format: LogFormat = "json", level = process.env.AEROSTAT_LOG_LEVEL ?? "info"): Logger {
  if (format === "json") return pino({ name: "aerostat", level });
  const stream = pretty({
    colorize: process.stdout.isTTY === true,
    sync: true,
    translateTime: "HH:MM:ss.l",
    ignore: "pid,hostname,name",
    singleLine: true,
  });
  return pino({ name: "aerostat", level }, stream);
}
