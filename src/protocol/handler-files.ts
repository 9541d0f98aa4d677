/** Handler extensions that are TypeScript and go through the transpiler. */
export const TYPESCRIPT_EXTENSIONS = [".ts", ".mts", ".cts"] as const;

/** Every extension a handler module may have, in the order a path without one is tried. */
export const HANDLER_EXTENSIONS = [".js", ".mjs", ".cjs", ...TYPESCRIPT_EXTENSIONS] as const;

/** A handler path without its extension: "p/feed.ts" and "p/feed" name one module. */
export function stripHandlerExtension(handler: string): string {
  for (const e of HANDLER_EXTENSIONS) if (handler.endsWith(e)) return handler.slice(0, -e.length);
  return handler;
}
