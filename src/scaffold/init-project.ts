import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { AerostatError, UserErrorCodes } from "../errors/codes.js";
import { RUNTIME_API_DIR } from "../sandbox/guest-sources.js";
import { templates, type TemplateContext } from "./templates.js";

/**
 * Writes a new project into `dir`: one endpoint, its handler, an editor config
 * that types `net/v4/websockets`, and a page. Nothing is overwritten: if any
 * file exists, nothing is written. Returns the files written, relative to `dir`.
 */
export async function initProject(dir: string, language: TemplateContext["language"] = "ts"): Promise<string[]> {
  const root = path.resolve(dir);
  const runtimeApi = path.relative(root, RUNTIME_API_DIR).split(path.sep).join("/");
  const files = templates({ language, runtimeApi });
  const existing = Object.keys(files).filter((rel) => existsSync(path.join(root, rel)));
  if (existing.length > 0) {
    throw new AerostatError(
      UserErrorCodes.OPTION_INVALID,
      `${existing.join(", ")} already exist${existing.length === 1 ? "s" : ""} in ${root}; nothing was written. ` +
        "Pick a new or empty folder, or move those files away.",
      { file: path.join(root, existing[0]!), field: "dir" },
    );
  }
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), text, { flag: "wx" });
  }
  return Object.keys(files);
}
