import { existsSync, rmSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { copyOfSampleProject, killAll, ServedProject } from "./cli-process.js";

/** Debian's Chromium; AEROSTAT_CHROMIUM points elsewhere. */
export const CHROMIUM_PATH = process.env.AEROSTAT_CHROMIUM ?? "/usr/bin/chromium";

/** Flags for a headless Chromium as root on a machine with no outside network. */
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** A real Chromium, driven by playwright-core. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}. Install it with "apt-get install chromium" ` +
        "(npm test does this itself when run as root), or set AEROSTAT_CHROMIUM to another Chromium.",
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: FLAGS });
}

/**
 * For a browser test file: a Chromium and a copy of the sample project served
 * by the CLI, started before its tests and removed after them.
 */
export function sampleInChromium(): { readonly browser: Browser; readonly server: ServedProject } {
  let browser: Browser | undefined;
  let server: ServedProject | undefined;
  let root: string | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
    root = copyOfSampleProject();
    server = await ServedProject.start(root);
  });
  afterAll(async () => {
    killAll();
    await browser?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });
  return {
    get browser() {
      return browser!;
    },
    get server() {
      return server!;
    },
  };
}
