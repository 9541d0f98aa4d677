import type { Logger } from "./logger.js";
import { truncateText } from "./truncate.js";

/** A level the tail keeps: the Logger's four. */
export type TailLevel = "debug" | "info" | "warn" | "error";

/** One log line as the dashboard shows it. */
export interface TailLine {
  /** 1, 2, 3…: a reader asks for the lines after the last one it has. */
  readonly seq: number;
  /** Epoch milliseconds. */
  readonly time: number;
  readonly level: TailLevel;
  /** The message, then the line's fields as `name=value`, cut to LINE_CHARS. */
  readonly text: string;
}

/** Lines kept. */
export const TAIL_LINES = 200;
/** Characters of a line's message kept, and of the whole line (message and fields); the rest is replaced by a note of how much was cut. */
export const MESSAGE_CHARS = 400;
export const LINE_CHARS = 600;

/**
 * The newest log lines, in a fixed ring: writing one is a few string joins
 * and an array store; older lines are overwritten, never shifted.
 */
export class LogTail {
  private readonly ring: (TailLine | undefined)[];
  private seq = 0;

  constructor(private readonly capacity = TAIL_LINES) {
    this.ring = new Array<TailLine | undefined>(capacity);
  }

  /** Keeps a line: `msg` and the fields of `obj`, after the logger's own context (child bindings). */
  add(level: TailLevel, obj: object, msg: string | undefined, context: string): void {
    const message = msg ?? (obj instanceof Error ? obj.message : "");
    // Cut before joining: a message can be megabytes (what a script threw).
    const text = [truncateText(message, MESSAGE_CHARS), fieldsText(obj), context]
      .filter(Boolean)
      .join("  ");
    const seq = ++this.seq;
    this.ring[seq % this.capacity] = { seq, time: Date.now(), level, text: truncateText(text, LINE_CHARS) };
  }

  /** Lines after `seq`, oldest first; all that are kept for 0. */
  since(seq: number): TailLine[] {
    const from = Math.max(seq + 1, this.seq - this.capacity + 1, 1);
    const lines: TailLine[] = [];
    for (let s = from; s <= this.seq; s++) lines.push(this.ring[s % this.capacity]!);
    return lines;
  }

  /** The newest line's number (0 before any). */
  get last(): number {
    return this.seq;
  }
}

/**
 * `name=value` for the string, number and boolean fields of a log call (an
 * error field shows its message), stopping once the line is long enough.
 */
export function fieldsText(obj: object): string {
  if (obj instanceof Error) return "";
  let text = "";
  for (const [name, value] of Object.entries(obj)) {
    let shown: string;
    if (typeof value === "string") shown = value;
    else if (typeof value === "number" || typeof value === "boolean") shown = String(value);
    else if (value instanceof Error) shown = value.message;
    else continue;
    text += `${text ? " " : ""}${name}=${shown.length > LINE_CHARS ? shown.slice(0, LINE_CHARS) : shown}`;
    if (text.length > LINE_CHARS) break;
  }
  return text;
}

/** A pino logger answers this; a logger that does not is taken to write every level. */
interface LevelAware {
  isLevelEnabled?(level: string): boolean;
}

/**
 * `logger`, with every line it writes also kept in `tail`. Lines below the
 * logger's level are not kept (they are not written either). Children tee too,
 * with their bindings shown after each line's own fields.
 */
export function teeToTail(logger: Logger, tail: LogTail, context = ""): Logger {
  const aware = logger as Logger & LevelAware;
  const writes = (level: TailLevel) => typeof aware.isLevelEnabled !== "function" || aware.isLevelEnabled(level);
  const at =
    (level: TailLevel) =>
    (obj: object, msg?: string): void => {
      if (msg === undefined) logger[level](obj);
      else logger[level](obj, msg);
      if (writes(level)) tail.add(level, obj, msg, context);
    };
  return {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: (bindings) => teeToTail(logger.child(bindings), tail, [fieldsText(bindings), context].filter(Boolean).join(" ")),
  };
}
