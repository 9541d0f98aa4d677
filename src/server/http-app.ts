import express, { type Express } from "express";
import { CLIENT_PATH, SERVICE_PREFIX } from "./routes.js";
import { staticFiles } from "./static-files.js";
import { WebAssets } from "./web-assets.js";

/**
 * The plain-HTTP side: the project's static files at "/", the reconnecting
 * client, and a clear answer for anyone who opens a service URL without a
 * WebSocket handshake.
 */
export function createHttpApp(staticDir: string | undefined): Express {
  const app = express();
  app.disable("x-powered-by");
  app.get(CLIENT_PATH, (_req, res) => {
    // A public library: pages on other origins may import it as a module.
    res.set("Access-Control-Allow-Origin", "*").type("text/javascript").sendFile(WebAssets.client);
  });
  app.get(`${SERVICE_PREFIX}*endpoint`, (_req, res) => {
    res
      .status(426)
      .set("Upgrade", "websocket")
      .type("text/plain")
      .send("This is a WebSocket service URL. Connect with a WebSocket client, e.g. new WebSocket(url) in a browser.\n");
  });
  if (staticDir) app.use(staticFiles(staticDir));
  return app;
}
