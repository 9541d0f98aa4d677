import { readdir } from "node:fs/promises";
import path from "node:path";
import { LISTENER_EXTENSION } from "../config/listener-descriptor.js";

/** Folders never looked into. */
export function isIgnoredDir(name: string): boolean {
  return name === "node_modules" || name.startsWith(".");
}

export const DESCRIPTOR_EXTENSION = ".websocket";

/** Extensions of the files the project sync reads as descriptors: endpoints and listeners. */
export const DESCRIPTOR_EXTENSIONS: readonly string[] = [DESCRIPTOR_EXTENSION, LISTENER_EXTENSION];

/**
 * Every `*.websocket` and `*.listener` entry below `root` that is not a
 * folder, as absolute paths, sorted. Links to folders are not followed; links, FIFOs and the like
 * named `*.websocket` are listed, for the safe reader to refuse or accept.
 * A folder that cannot be read is reported to `unreadable`.
 */
export async function findDescriptors(
  root: string,
  unreadable: (dir: string, error: NodeJS.ErrnoException) => void = () => undefined,
): Promise<string[]> {
  const found: string[] = [];
  async function walk(dir: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      unreadable(dir, error);
      return [];
    });
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!isIgnoredDir(e.name)) await walk(full);
      } else if (DESCRIPTOR_EXTENSIONS.some((x) => e.name.endsWith(x))) {
        found.push(full);
      }
    }
  }
  await walk(root);
  return found.sort();
}
