import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { RuntimeModules, type RuntimeModuleName } from "../protocol/boundary.js";

/** runtime-api/ sits at the package root, beside src/ and dist/. */
export const RUNTIME_API_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../runtime-api");

export interface GuestSources {
  readonly prelude: string;
  readonly modules: ReadonlyMap<RuntimeModuleName, string>;
}

let cached: GuestSources | undefined;

/** The guest-side code, read once per process. */
export function guestSources(): GuestSources {
  if (cached) return cached;
  const read = (rel: string) => readFileSync(path.join(RUNTIME_API_DIR, rel), "utf8");
  const modules = new Map<RuntimeModuleName, string>();
  for (const [name, rel] of Object.entries(RuntimeModules) as [RuntimeModuleName, string][]) {
    modules.set(name, read(rel));
  }
  cached = { prelude: read("internal/prelude.js"), modules };
  return cached;
}
