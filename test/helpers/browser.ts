import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

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
