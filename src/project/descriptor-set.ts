import path from "node:path";
import { parseDescriptor, type Descriptor } from "../config/descriptor.js";
import { AerostatError, UserErrorCodes } from "../errors/codes.js";
import { readProjectFile } from "../files/safe-read.js";
import { refuseStatic } from "./static-refusal.js";

export type DescriptorLoad = { ok: true; descriptor: Descriptor } | { ok: false; error: AerostatError };

/**
 * The last good version of every descriptor in the project. A file that turns
 * invalid keeps its last good version. Descriptors inside the static folder
 * (whose files anyone may download) are refused.
 */
export class DescriptorSet {
  private readonly good = new Map<string, Descriptor>();

  constructor(
    private readonly root: string,
    private readonly staticDir?: string,
  ) {}

  relative(file: string): string {
    return path.relative(this.root, file).split(path.sep).join("/");
  }

  async load(file: string): Promise<DescriptorLoad> {
    const rel = this.relative(file);
    try {
      refuseStatic(this.root, this.staticDir, file, rel, "endpoints");
      const text = await readProjectFile(file, rel, "descriptor");
      const descriptor = parseDescriptor(rel, text);
      this.good.set(rel, descriptor);
      return { ok: true, descriptor };
    } catch (cause) {
      const error =
        cause instanceof AerostatError
          ? cause
          : new AerostatError(UserErrorCodes.DESCRIPTOR_JSON, `cannot read the file: ${String(cause)}`, { file: rel });
      return { ok: false, error };
    }
  }

  /** Forgets a deleted descriptor. True when it had a good version. */
  remove(file: string): boolean {
    return this.good.delete(this.relative(file));
  }

  all(): Descriptor[] {
    return [...this.good.values()];
  }
}
