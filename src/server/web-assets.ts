import path from "node:path";
import { fileURLToPath } from "node:url";

/** web/ sits at the package root, beside src/ and dist/: browser-side files served by the runtime. */
export const WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../web");

export const WebAssets = {
  client: path.join(WEB_DIR, "client.js"),
  dashboardPage: path.join(WEB_DIR, "dashboard.html"),
  dashboardScript: path.join(WEB_DIR, "dashboard.js"),
} as const;
