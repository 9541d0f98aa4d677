import { pino } from "pino";

/** The logging surface aerostat uses; a pino logger fits it. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export function createLogger(level: string = process.env.AEROSTAT_LOG_LEVEL ?? "info"): Logger {
  return pino({ name: "aerostat", level });
}

/** A logger that drops everything; for embedding where logs are unwanted. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
