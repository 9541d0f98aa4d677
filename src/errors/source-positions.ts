import { originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";
import { escapeRegExp, type Position } from "./user-location.js";

/**
 * Maps positions in transpiled handler code back to the user's source, so
 * errors and stack traces name the line the user wrote. Plain JavaScript
 * handlers have no map: every method returns its input unchanged.
 */
export class SourcePositions {
  private readonly trace: TraceMap | undefined;
  /** "key:line:column" anywhere in a text. */
  private readonly pattern: RegExp;

  constructor(
    /** Project-relative path of the handler, as it appears in guest stacks. */
    readonly key: string,
    /** Source map JSON from the transpiler, or undefined for untranspiled code. */
    map?: string,
  ) {
    this.trace = map ? new TraceMap(map) : undefined;
    this.pattern = new RegExp(`${escapeRegExp(key)}:(\\d+):(\\d+)`, "g");
  }

  /** The original position of a 1-based line and column in the generated code. */
  original(at: Position): Position {
    if (!this.trace) return at;
    const found = originalPositionFor(this.trace, { line: at.line, column: Math.max(0, at.column - 1) });
    return found.line === null ? at : { line: found.line, column: (found.column ?? 0) + 1 };
  }

  /** Rewrites every "key:line:column" in a stack or message to original positions. */
  rewrite(text: string): string {
    if (!this.trace || !text.includes(this.key)) return text;
    return text.replace(this.pattern, (_, line: string, column: string) => {
      const at = this.original({ line: Number(line), column: Number(column) });
      return `${this.key}:${at.line}:${at.column}`;
    });
  }
}
