import { parseArgs } from "node:util";

/** Reads --name value flags; a number flag must be a positive number. */
export function numberFlag(name: string, fallback: number): number {
  const { values } = parseArgs({ options: { [name]: { type: "string" } }, strict: false, allowPositionals: true });
  const raw = values[name];
  if (raw === undefined || raw === true) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`--${name} must be a positive number, got "${String(raw)}"`);
    process.exit(2);
  }
  return n;
}

export function booleanFlag(name: string): boolean {
  const { values } = parseArgs({ options: { [name]: { type: "boolean" } }, strict: false, allowPositionals: true });
  return values[name] === true;
}

export function stringFlag(name: string): string | undefined {
  const { values } = parseArgs({ options: { [name]: { type: "string" } }, strict: false, allowPositionals: true });
  const raw = values[name];
  return typeof raw === "string" ? raw : undefined;
}
