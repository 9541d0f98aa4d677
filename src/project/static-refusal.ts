import path from "node:path";
import { AerostatError, UserErrorCodes } from "../errors/codes.js";

/**
 * Throws when `file` sits inside the static folder, whose files anyone may
 * download: it cannot hold `what` ("endpoints", "listeners"). `rel` is the
 * file's project-relative path, for the message.
 */
export function refuseStatic(root: string, staticDir: string | undefined, file: string, rel: string, what: string): void {
  if (!staticDir) return;
  const inside = path.relative(staticDir, file);
  if (inside.startsWith("..") || path.isAbsolute(inside)) return;
  const folder = path.relative(root, staticDir).split(path.sep).join("/") || staticDir;
  throw new AerostatError(
    UserErrorCodes.DESCRIPTOR_IN_STATIC,
    `${folder}/ holds static files, which anyone may download, so it cannot hold ${what}. ` + `Move ${rel} and its handler to another folder.`,
    { file: rel },
  );
}
