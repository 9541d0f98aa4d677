import path from "node:path";
import type { Connection } from "../config/connections.js";
import { parseListener } from "../config/listener-descriptor.js";
import type { ListenerSpec } from "../config/listener-spec.js";
import { AerostatError, UserErrorCodes } from "../errors/codes.js";
import { readProjectFile } from "../files/safe-read.js";
import { projectOf } from "./handler-path.js";
import { refuseStatic } from "./static-refusal.js";

export type ListenerLoad = { ok: true; spec: ListenerSpec } | { ok: false; error: AerostatError };

/**
 * A listener's identity: its name within its project folder (the top-level
 * folder of its file, as for endpoints' handlers): "shop/orders", or "orders"
 * at the root. Two folders may each have an "orders" listener.
 */
export function listenerKey(spec: { readonly file: string; readonly name: string }): string {
  const project = projectOf(spec.file);
  return project ? `${project}/${spec.name}` : spec.name;
}

/** Which `.listener` runs under each key (listenerKey), and the files whose name another file of their folder holds. */
export interface ListenerChoice {
  /** Key (listenerKey) → the spec that runs under it. */
  readonly listeners: ReadonlyMap<string, ListenerSpec>;
  /** A file ignored because another file has its name. */
  readonly conflicts: readonly AerostatError[];
}

/**
 * The last good version of every `.listener` file in the project. A file that
 * turns invalid (bad JSON, an unknown connection) keeps its last good version
 * listening. Connections are checked against the operator's when a file loads.
 * `.listener` files inside the static folder (whose files anyone may
 * download) are refused.
 */
export class ListenerSet {
  private readonly good = new Map<string, ListenerSpec>();

  constructor(
    private readonly root: string,
    private readonly connections: ReadonlyMap<string, Connection>,
    private readonly staticDir?: string,
  ) {}

  private relative(file: string): string {
    return path.relative(this.root, file).split(path.sep).join("/");
  }

  async load(file: string): Promise<ListenerLoad> {
    const rel = this.relative(file);
    try {
      refuseStatic(this.root, this.staticDir, file, rel, "listeners");
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
   * The listener under each key (its name in its project folder): the file
   * running it now (`serving`: key → file) keeps it while it still has that
   * name; else the first by path. Each other file of the folder with the name
   * is a conflict naming both files.
   */
  choose(serving: ReadonlyMap<string, string>): ListenerChoice {
    const byKey = new Map<string, ListenerSpec[]>();
    for (const spec of this.good.values()) byKey.set(listenerKey(spec), [...(byKey.get(listenerKey(spec)) ?? []), spec]);
    const listeners = new Map<string, ListenerSpec>();
    const conflicts: AerostatError[] = [];
    for (const [key, specs] of byKey) {
      specs.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
      const winner = specs.find((s) => s.file === serving.get(key)) ?? specs[0]!;
      listeners.set(key, winner);
      for (const loser of specs) {
        if (loser === winner) continue;
        conflicts.push(
          new AerostatError(
            UserErrorCodes.LISTENER_CONFLICT,
            `listener "${winner.name}" is already defined by ${winner.file}, so ${loser.file} is ignored; give one of the two another "name" (by default a listener is named after its file)`,
            { file: loser.file, field: "name" },
          ),
        );
      }
    }
    return { listeners, conflicts };
  }
}
