import { lstat, realpath } from "node:fs/promises";
import path from "node:path";
import type { Request, RequestHandler, Response } from "express";
import { AerostatError } from "../errors/codes.js";
import { openRegularFile } from "../files/safe-read.js";
import { urlSegments } from "./url-segments.js";

/**
 * Serves the regular files under `dir` at "/", and nothing else: no dotfiles,
 * no folder listings, no file reached through a link (its real path must be
 * itself, inside the folder's real path). A folder's index.html answers for
 * the folder. Anything refused falls through to the next route, a 404.
 */
export function staticFiles(dir: string): RequestHandler {
  return (req, res, next) => {
    if (req.method !== "GET" && req.method !== "HEAD") return next();
    serve(dir, req, res).then(
      (served) => (served ? undefined : next()),
      (error: unknown) => (error instanceof AerostatError || isMissing(error) ? next() : next(error)),
    );
  };
}

async function serve(dir: string, req: Request, res: Response): Promise<boolean> {
  const segments = urlSegments(req.path);
  if (!segments) return false;
  const realDir = await realpath(dir).catch(() => undefined);
  if (!realDir) return false;
  let file = path.join(realDir, ...segments);
  const entry = await lstat(file);
  if (entry.isDirectory()) {
    if (!req.path.endsWith("/")) {
      // Like a web server: /docs becomes /docs/, whose index.html is served.
      res.redirect(301, `/${segments.join("/")}/`);
      return true;
    }
    file = path.join(file, "index.html");
  }
  const rel = path.relative(realDir, file);
  const { handle, stats } = await openRegularFile(file, rel, realDir, true);
  res.status(200).type(path.extname(file) || "application/octet-stream");
  res.set({
    "Content-Length": String(stats.size),
    "Last-Modified": stats.mtime.toUTCString(),
    ETag: `W/"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`,
    "Cache-Control": "public, max-age=0",
    "X-Content-Type-Options": "nosniff",
  });
  if (req.fresh || req.method === "HEAD" || stats.size === 0) {
    await handle.close();
    if (req.fresh) res.status(304);
    res.end();
    return true;
  }
  const stream = handle.createReadStream({ start: 0, end: stats.size - 1 });
  stream.on("error", () => res.destroy());
  stream.pipe(res);
  return true;
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException)?.code;
  return code === "ENOENT" || code === "ENOTDIR" || code === "ELOOP" || code === "EACCES" || code === "ENAMETOOLONG";
}
