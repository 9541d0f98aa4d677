import { originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";
import { escapeRegExp, type Position } from "./user-location.js";

/** A position in a file the user wrote (project-relative path). */
export interface SourcePosition extends Position {
  readonly file: string;
}

/** A stack frame line: "    at fn (file:1:2)" or "    at file:1:2". */
const FRAME = /^\s+at\s/;
/** A frame in the runtime's own guest code (the prelude and capabilities run as "aerostat:<name>.js"). */
const RUNTIME_FRAME = /[\s(]aerostat:[\w.-]+:\d+:\d+\)?\s*$/;

/**
 * Maps positions in the code a handler runs as (transpiled, or bundled with
 * the files it imports) back to the files the user wrote, so errors, stacks
 * and stops name the file and line the user knows. Frames of the runtime's
 * own guest code and of the bundle's glue are hidden from stacks. Plain
 * JavaScript handlers have no map: their positions stay as they are.
 */
export class SourcePositions {
  private readonly trace: TraceMap | undefined;
  /** "key:line:column" anywhere in a text. */
  private readonly pattern: RegExp;

  constructor(
    /** Project-relative path of the handler, as it appears in guest stacks. */
    readonly key: string,
    /** Source map JSON from the transpiler or bundler (sources relative to the project root), or undefined. */
    map?: string,
  ) {
    this.trace = map ? new TraceMap(map) : undefined;
    this.pattern = new RegExp(`${escapeRegExp(key)}:(\\d+):(\\d+)`, "g");
  }

  /**
   * Where a 1-based line and column of the running code came from: a file
   * and position the user wrote, or undefined for code the bundler added.
   */
  original(at: Position): SourcePosition | undefined {
    if (!this.trace) return { file: this.key, ...at };
    const found = originalPositionFor(this.trace, { line: at.line, column: Math.max(0, at.column - 1) });
    if (found.line === null || found.source === null) return undefined;
    return { file: found.source, line: found.line, column: (found.column ?? 0) + 1 };
  }

  /**
   * A stack or message as the user should read it: every "key:line:column"
   * moved to the original file and position, and frames of the runtime's
   * guest code or the bundle's glue left out.
   */
  rewrite(text: string): string {
    if (!text.includes("\n") && !text.includes(this.key)) return text;
    const lines = text.split("\n");
    const kept: string[] = [];
    for (const line of lines) {
      if (FRAME.test(line)) {
        if (RUNTIME_FRAME.test(line)) continue;
        if (this.trace && this.hasGlue(line)) continue;
      }
      kept.push(this.trace && line.includes(this.key) ? line.replace(this.pattern, (whole, l: string, c: string) => this.format(whole, l, c)) : line);
    }
    return kept.join("\n");
  }

  /**
   * The first frame of `stack` in the user's code, as "file:line:column"
   * (the handler's key when there is none).
   */
  locate(stack: string): string {
    const at = this.firstUserFrame(stack);
    return at ? `${at.file}:${at.line}:${at.column}` : this.key;
  }

  /** The first frame of `stack` in the user's code, as a position. */
  firstUserFrame(stack: string): SourcePosition | undefined {
    const frame = new RegExp(`(?:^|[\\s(])${escapeRegExp(this.key)}:(\\d+):(\\d+)`, "gm");
    for (const m of stack.matchAll(frame)) {
      const at = this.original({ line: Number(m[1]), column: Number(m[2]) });
      if (at) return at;
    }
    return undefined;
  }

  private format(whole: string, line: string, column: string): string {
    const at = this.original({ line: Number(line), column: Number(column) });
    return at ? `${at.file}:${at.line}:${at.column}` : whole;
  }

  /** A frame in the handler's code that maps to no file the user wrote. */
  private hasGlue(line: string): boolean {
    this.pattern.lastIndex = 0;
    const m = this.pattern.exec(line);
    this.pattern.lastIndex = 0;
    return m !== null && this.original({ line: Number(m[1]), column: Number(m[2]) }) === undefined;
  }
}
