import { realpathSync, statSync } from "node:fs";
import path from "node:path";
import { AerostatError, UserErrorCodes } from "../errors/codes.js";
import type { ResolvedHandler } from "../sandbox/handler-registry.js";

export type { ResolvedHandler };
import { HANDLER_EXTENSIONS } from "../protocol/handler-files.js";



/** The project folder a project-relative path belongs to. */
export function projectOf(key: string): string {
  const slash = key.indexOf("/");
  return slash === -1 ? "" : key.slice(0, slash);
}

/**
 * Resolves a handler path ("my-project/ws-handler", with or without extension)
 * against the project root. It must name a file inside the root.
 * `referrer` names the file the path came from, for the error message.
 */
export function resolveHandler(root: string, handler: string, referrer: string): ResolvedHandler {
  const notFound = (why: string) =>
    new AerostatError(UserErrorCodes.HANDLER_NOT_FOUND, `handler "${handler}" ${why}`, { file: referrer, field: "handler" });
  if (path.isAbsolute(handler) || handler.split(/[\\/]/).includes("..")) {
    throw notFound("must be a path inside the project root, without '..' or a leading '/'");
  }
  const base = path.resolve(root, handler);
  const candidates = HANDLER_EXTENSIONS.some((e) => base.endsWith(e)) ? [base] : [base, ...HANDLER_EXTENSIONS.map((e) => base + e)];
  // Without an extension the path must name one file: with both x.js and x.ts, which one is meant is not aerostat's guess.
  const found = candidates.slice(1).filter((f) => isFile(f));
  if (!isFile(base) && found.length > 1) {
    const names = found.map((f) => path.relative(root, f).split(path.sep).join("/"));
    throw new AerostatError(
      UserErrorCodes.HANDLER_NOT_FOUND,
      `handler "${handler}" is ambiguous: ${names.length === 2 ? `${names[0]} and ${names[1]} both exist` : `${names.slice(0, -1).join(", ")} and ${names.at(-1)} all exist`}. ` +
        "Write the extension of the one you mean, or remove the others.",
      { file: referrer, field: "handler" },
    );
  }
  for (const file of candidates) {
    if (!isFile(file)) continue;
    const real = realpathSync(file);
    const realRoot = realpathSync(root);
    if (!real.startsWith(realRoot + path.sep)) throw notFound("leads outside the project root (through a link)");
    if (!HANDLER_EXTENSIONS.some((e) => file.endsWith(e))) continue;
    const key = path.relative(root, file).split(path.sep).join("/");
    return { key, file, project: projectOf(key) };
  }
  throw notFound(`was not found: looked for ${candidates.map((c) => path.relative(root, c)).join(", ")}. Create the file or fix the path.`);
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
