import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The package root: this file is src/sandbox/ or dist/sandbox/ below it. */
const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** runtime-api/ sits at the package root, beside src/ and dist/: the types scripts are written against. */
export const RUNTIME_API_DIR = path.join(PACKAGE_ROOT, "runtime-api");

/** The guest bundle the build writes (scripts/build-guest.mjs). */
const GUEST_BUNDLE = path.join(PACKAGE_ROOT, "dist/guest/guest.js");

let cached: string | undefined;

/**
 * The code that runs inside every context before user code: src/guest/ and
 * every capability's guest.ts, bundled by esbuild at build time into one
 * script whose value is `(hostCall, settingsJson) => internals`. Read once per
 * process.
 */
export function guestBundle(): string {
  if (cached) return cached;
  try {
    cached = readFileSync(GUEST_BUNDLE, "utf8");
  } catch (cause) {
    throw new Error(`aerostat: the sandbox code ${GUEST_BUNDLE} is missing; run "npm run build" first`, { cause });
  }
  return cached;
}
