import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
let stomp: string | undefined;
let evqueueModules: ReadonlyMap<string, string> | undefined;

/** web/ sits at the package root, beside src/ and dist/: browser-side files served by the runtime. */
export const WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../web");

export const WebAssets = {
  client: path.join(WEB_DIR, "client.js"),
  /** The MonoRail client (imports ./client.js beside it). */
  monorailClient: path.join(WEB_DIR, "monorail.js"),
  /** The evQueue client (imports the files of web/evqueue/ beside it). */
  evqueueClient: path.join(WEB_DIR, "evqueue.js"),
  /** A file of web/evqueue/ by its name ("ws.js"), or undefined for any other name. */
  evqueueModule(name: string): string | undefined {
    evqueueModules ??= new Map(
      readdirSync(path.join(WEB_DIR, "evqueue"))
        .filter((f) => /^[a-z0-9-]+\.js$/.test(f))
        .map((f) => [f, path.join(WEB_DIR, "evqueue", f)]),
    );
    return evqueueModules.get(name);
  },
  dashboardPage: path.join(WEB_DIR, "dashboard.html"),
  dashboardScript: path.join(WEB_DIR, "dashboard.js"),
  /** The SockJS client (sockjs-client). */
  sockjsClient: require.resolve("sockjs-client/dist/sockjs.min.js"),
  /** socketcluster-client's browser bundle, as the package ships it. */
  socketclusterClient: require.resolve("socketcluster-client/socketcluster-client.min.js"),
  /** @stomp/stompjs's browser bundle, which defines StompJs, plus the global `Stomp` pages written for stomp.js use. */
  stompClient(): string {
    stomp ??=
      readFileSync(path.join(path.dirname(require.resolve("@stomp/stompjs")), "stomp.umd.min.js"), "utf8") +
      "\n;(function (g) { if (!g.Stomp) g.Stomp = g.StompJs.Stomp; })(typeof globalThis !== 'undefined' ? globalThis : self);\n";
    return stomp;
  },
} as const;
