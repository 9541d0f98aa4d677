/** Finding the user's own file:line in isolated-vm error messages and guest stacks. */

export interface Position {
  line: number;
  column: number;
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** isolated-vm appends "[file:line:col]" to compile errors. */
export function locateSyntaxError(message: string, file: string): Position | undefined {
  const m = new RegExp(`\\[${escapeRegExp(file)}:(\\d+):(\\d+)\\]`).exec(message);
  return m ? { line: Number(m[1]), column: Number(m[2]) } : undefined;
}

/** The first stack frame that points into `file`. */
export function locateInStack(stack: string, file: string): Position | undefined {
  const m = new RegExp(`(?:^|[\\s(])${escapeRegExp(file)}:(\\d+):(\\d+)`, "m").exec(stack);
  return m ? { line: Number(m[1]), column: Number(m[2]) } : undefined;
}

/** "file:line:column" for a position, or just the file. */
export function formatLocation(file: string, at: Position | undefined): string {
  return at ? `${file}:${at.line}:${at.column}` : file;
}
