/**
 * Engine names Dirigible gives JavaScript handlers. createWebsocket accepts
 * any of them and runs the handler on aerostat's one JavaScript engine;
 * Dirigible's other engines (Python, say) cannot run here.
 */
export const JAVASCRIPT_ENGINES: readonly string[] = ["javascript", "graalium", "graaljs", "rhino", "nashorn", "v8"];

export function isJavaScriptEngine(engine: string): boolean {
  return JAVASCRIPT_ENGINES.includes(engine.toLowerCase());
}

/** The error text for an engine that is not one of them. */
export function engineProblem(engine: string): string {
  return `engine must be a JavaScript engine (${JAVASCRIPT_ENGINES.map((e) => `"${e}"`).join(", ")}), got "${engine}": aerostat runs JavaScript handlers only`;
}
