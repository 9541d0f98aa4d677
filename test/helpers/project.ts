import { mkdtempSync, realpathSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

/** A real project folder in a temp directory. */
export class TempProject {
  readonly root = realpathSync(mkdtempSync(path.join(tmpdir(), "aerostat-test-")));

  static async create(files: Record<string, string>): Promise<TempProject> {
    const p = new TempProject();
    for (const [rel, text] of Object.entries(files)) await p.write(rel, text);
    return p;
  }

  path(rel: string): string {
    return path.join(this.root, rel);
  }

  async write(rel: string, text: string): Promise<void> {
    await mkdir(path.dirname(this.path(rel)), { recursive: true });
    await writeFile(this.path(rel), text);
  }

  async remove(rel: string): Promise<void> {
    await rm(this.path(rel), { force: true });
  }

  async dispose(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}

/** A descriptor's JSON text. */
export function descriptor(endpoint: string, handler: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ handler, endpoint, description: `test ${endpoint}`, ...extra }, null, 2);
}
