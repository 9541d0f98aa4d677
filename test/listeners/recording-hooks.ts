import { pino } from "pino";
import type { DeliveryOutcome, SourceHooks, SourceMessage } from "../../src/listeners/source.js";
import type { Logger } from "../../src/log/logger.js";

/** What a source told its listener, in order. */
export type HookEvent = { kind: "message"; message: SourceMessage } | { kind: "connected"; again: boolean } | { kind: "lost"; reason: string };

/**
 * SourceHooks that record every call, for driving a source without a runtime.
 * `outcome` decides how each message is taken (default: "done" at once); a
 * test can hold messages by returning a promise it settles later.
 */
export class RecordingHooks implements SourceHooks {
  readonly events: HookEvent[] = [];
  outcome: (message: SourceMessage) => DeliveryOutcome | Promise<DeliveryOutcome> = () => "done";

  deliver = async (message: SourceMessage): Promise<DeliveryOutcome> => {
    this.events.push({ kind: "message", message });
    return this.outcome(message);
  };
  connected = (again: boolean): void => void this.events.push({ kind: "connected", again });
  lost = (reason: string): void => void this.events.push({ kind: "lost", reason });

  get messages(): SourceMessage[] {
    return this.events.flatMap((e) => (e.kind === "message" ? [e.message] : []));
  }
  get connects(): boolean[] {
    return this.events.flatMap((e) => (e.kind === "connected" ? [e.again] : []));
  }
  get losses(): string[] {
    return this.events.flatMap((e) => (e.kind === "lost" ? [e.reason] : []));
  }
}

/** A logger keeping its lines (level, msg and fields) for assertions. */
export function capturingLogger(): { logger: Logger; lines: { level: number; msg: string; [key: string]: unknown }[] } {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

/** A promise with its resolve at hand. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A loopback port nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const { createServer } = await import("node:net");
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
