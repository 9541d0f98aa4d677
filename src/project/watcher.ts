import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { watch, type FSWatcher } from "chokidar";
import type { Logger } from "../log/logger.js";
import { isIgnoredDir } from "./scanner.js";

/** Files that changed in one burst, as absolute paths. */
export interface ChangeBatch {
  readonly changed: ReadonlySet<string>;
  readonly removed: ReadonlySet<string>;
}

/** chokidar drops a second "change" for one file within this window; we look again after it. */
const RECHECK_MS = 120;

/**
 * When a new folder is read again for files chokidar did not report: it reads
 * a new folder before it watches it, and a file made in between is never
 * reported (chokidar #1112, #1471): a project folder copied or checked out
 * in one go could lose a descriptor.
 */
const NEW_FOLDER_LOOKS_MS = [RECHECK_MS, 1000];

/**
 * Watches the project and reports bursts of file events (save-all, git
 * checkout) as one batch, once the burst has been quiet for `debounceMs`.
 * Files in a batch are looked at again shortly after, so a save that follows
 * the previous one within chokidar's change throttle is not lost.
 */
export class ProjectWatcher {
  private readonly watcher: FSWatcher;
  private changed = new Set<string>();
  private removed = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private recheckTimer: NodeJS.Timeout | undefined;
  private readonly folderLooks = new Set<NodeJS.Timeout>();
  private closed = false;
  readonly ready: Promise<void>;

  /** Watch errors already logged, by code and path: each is logged once. */
  private readonly reported = new Set<string>();

  constructor(
    root: string,
    private readonly debounceMs: number,
    private readonly onBatch: (batch: ChangeBatch) => void,
    private readonly log: Logger,
  ) {
    this.watcher = watch(root, {
      ignoreInitial: true,
      // A link is watched as itself, never followed: a link to "." cannot loop
      // and a link to /usr does not pull the host's files into the watch.
      followSymlinks: false,
      ignored: (p: string) => p !== root && isIgnoredDir(path.basename(p)),
    });
    this.ready = new Promise((resolve) => this.watcher.once("ready", () => resolve()));
    this.watcher.on("error", (error) => this.onError(error));
    this.watcher.on("add", (p) => this.note(p, false));
    this.watcher.on("change", (p) => this.note(p, false));
    this.watcher.on("unlink", (p) => this.note(p, true));
    this.watcher.on("addDir", (dir) => this.lookAgain(dir));
  }

  /** A new folder: read again shortly after, for files made while chokidar was starting to watch it. */
  private lookAgain(dir: string): void {
    for (const ms of NEW_FOLDER_LOOKS_MS) {
      const timer = setTimeout(() => {
        this.folderLooks.delete(timer);
        void this.noteMissed(dir);
      }, ms);
      this.folderLooks.add(timer);
    }
  }

  /** Notes the files of `dir` that chokidar does not know (it reports each file it watches in getWatched()). */
  private async noteMissed(dir: string): Promise<void> {
    if (this.closed) return;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return; // gone again, or unreadable: chokidar reports that
    }
    if (this.closed) return;
    const known = new Set(this.watcher.getWatched()[dir] ?? []);
    for (const e of entries) if (e.isFile() && !known.has(e.name)) this.note(path.join(dir, e.name), false);
  }

  /** A folder that cannot be read, say: logged once with its path; watching goes on. */
  private onError(error: unknown): void {
    const { code, path: where } = error as NodeJS.ErrnoException;
    const key = `${code}\u0000${where}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.log.error(
      { path: where, code, reason: String((error as Error)?.message ?? error) },
      `cannot watch ${where ?? "a project path"} (${code ?? "error"}); changes there are not seen until it is fixed`,
    );
  }

  private note(file: string, gone: boolean): void {
    if (gone) {
      this.changed.delete(file);
      this.removed.add(file);
    } else {
      this.removed.delete(file);
      this.changed.add(file);
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), this.debounceMs);
  }

  private flush(): void {
    const batch = { changed: this.changed, removed: this.removed };
    this.changed = new Set();
    this.removed = new Set();
    void this.scheduleRecheck(batch.changed);
    this.onBatch(batch);
  }

  private async scheduleRecheck(files: ReadonlySet<string>): Promise<void> {
    const seen = new Map<string, number>();
    for (const f of files) seen.set(f, await mtime(f));
    this.recheckTimer = setTimeout(async () => {
      for (const [f, before] of seen) {
        if (!this.closed && (await mtime(f)) !== before && !this.removed.has(f)) this.note(f, false);
      }
    }, RECHECK_MS);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    clearTimeout(this.recheckTimer);
    for (const timer of this.folderLooks) clearTimeout(timer);
    this.folderLooks.clear();
    await this.watcher.close();
  }
}

async function mtime(file: string): Promise<number> {
  try {
    return (await stat(file)).mtimeMs;
  } catch {
    return -1;
  }
}
