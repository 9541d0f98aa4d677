import path from "node:path";
import type { Connection } from "../config/connections.js";
import { parseListener } from "../config/listener-descriptor.js";
import type { ListenerSpec } from "../config/listener-spec.js";
import { AerostatError, UserErrorCodes } from "../errors/codes.js";
import { readProjectFile } from "../files/safe-read.js";

export type ListenerLoad = { ok: true; spec: ListenerSpec } | { ok: false; error: AerostatError };

/** Which `.listener` runs under each name, and the files whose name another file holds. */
export interface ListenerChoice {
  /** Name → the spec that runs under it. */
  readonly listeners: ReadonlyMap<string, ListenerSpec>;
  /** A file ignored because another file has its name. */
  readonly conflicts: readonly AerostatError[];
}

/**
 * The last good version of every `.listener` file in the project. A file that
 * turns invalid (bad JSON, an unknown connection) keeps its last good version
 * listening. Connections are checked against the operator's when a file loads.
 */
export class ListenerSet {
  private readonly good = new Map<string, ListenerSpec>();

  constructor(
    private readonly root: string,
    private readonly connections: ReadonlyMap<string, Connection>,
  ) {}

  private relative(file: string): string {
    return path.relative(this.root, file).split(path.sep).join("/");
  }

  async load(file: string): Promise<ListenerLoad> {
    const rel = this.relative(file);
    try {
      const text = await readProjectFile(file, rel, "descriptor");
      const spec = parseListener(rel, text, this.connections);
      this.good.set(rel, spec);
      return { ok: true, spec };
    } catch (cause) {
      const error =
        cause instanceof AerostatError ? cause : new AerostatError(UserErrorCodes.DESCRIPTOR_JSON, `cannot read the file: ${String(cause)}`, { file: rel });
      return { ok: false, error };
    }
  }

  /** Forgets a deleted file. True when it had a good version. */
  remove(file: string): boolean {
    return this.good.delete(this.relative(file));
  }

  all(): ListenerSpec[] {
    return [...this.good.values()];
  }

  /**
   * The listener under each name: the file running it now (`serving`: name →
   * file) keeps it while it still has that name; else the first by path. Each
   * other file with the name is a conflict naming both files.
   */
  choose(serving: ReadonlyMap<string, string>): ListenerChoice {
    const byName = new Map<string, ListenerSpec[]>();
    for (const spec of this.good.values()) byName.set(spec.name, [...(byName.get(spec.name) ?? []), spec]);
    const listeners = new Map<string, ListenerSpec>();
    const conflicts: AerostatError[] = [];
    for (const [name, specs] of byName) {
      specs.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
      const winner = specs.find((s) => s.file === serving.get(name)) ?? specs[0]!;
      listeners.set(name, winner);
      for (const loser of specs) {
        if (loser === winner) continue;
        conflicts.push(
          new AerostatError(
            UserErrorCodes.LISTENER_CONFLICT,
            `listener "${name}" is already defined by ${winner.file}, so ${loser.file} is ignored; give one of the two another "name" (by default a listener is named after its file)`,
            { file: loser.file, field: "name" },
          ),
        );
      }
    }
    return { listeners, conflicts };
  }
}
