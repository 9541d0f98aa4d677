import path from "node:path";
import { watch, type FSWatcher } from "chokidar";
import { isIgnoredDir } from "./scanner.js";

/** Files that changed in one burst, as absolute paths. */
export interface ChangeBatch {
  readonly changed: ReadonlySet<string>;
  readonly removed: ReadonlySet<string>;
}

/**
 * Watches the project and reports bursts of file events (save-all, git
 * checkout) as one batch, once the burst has been quiet for `debounceMs`.
 */
export class ProjectWatcher {
  private readonly watcher: FSWatcher;
  private changed = new Set<string>();
  private removed = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  readonly ready: Promise<void>;

  constructor(
    root: string,
    private readonly debounceMs: number,
    private readonly onBatch: (batch: ChangeBatch) => void,
  ) {
    this.watcher = watch(root, {
      ignoreInitial: true,
      ignored: (p: string) => p !== root && isIgnoredDir(path.basename(p)),
    });
    this.ready = new Promise((resolve) => this.watcher.once("ready", () => resolve()));
    this.watcher.on("add", (p) => this.note(p, false));
    this.watcher.on("change", (p) => this.note(p, false));
    this.watcher.on("unlink", (p) => this.note(p, true));
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
    this.onBatch(batch);
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    await this.watcher.close();
  }
}
