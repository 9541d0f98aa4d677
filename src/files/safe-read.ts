import { constants, type Stats } from "node:fs";
import { open, realpath, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { AerostatError, UserErrorCodes } from "../errors/codes.js";

/** The largest descriptor (.websocket file) aerostat reads. */
export const DESCRIPTOR_MAX_BYTES = 1024 * 1024;
/** The largest handler module aerostat reads. */
export const HANDLER_MAX_BYTES = 8 * 1024 * 1024;

/** What aerostat reads from a project, and how much of each at most. */
export const ProjectFileKinds = {
  descriptor: { maxBytes: DESCRIPTOR_MAX_BYTES, limit: "1 MiB" },
  handler: { maxBytes: HANDLER_MAX_BYTES, limit: "8 MiB" },
} as const;
export type ProjectFileKind = keyof typeof ProjectFileKinds;

/**
 * Never follows a link in the last step, and never waits: a FIFO without a
 * writer opens at once, so no thread of libuv's pool is ever stuck on one.
 */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW;
const CHUNK_BYTES = 64 * 1024;

export interface OpenedFile {
  readonly handle: FileHandle;
  readonly stats: Stats;
}

/**
 * Opens `file` for reading, if its real path lies inside `realDir` and it is a
 * regular file. With `noLinks`, no step of the path may be a link at all.
 * Unsafe files throw AerostatError FILE_UNSAFE naming `rel`; other errors
 * (ENOENT, EACCES) pass through.
 */
export async function openRegularFile(file: string, rel: string, realDir: string, noLinks = false): Promise<OpenedFile> {
  const unsafe = (why: string) => new AerostatError(UserErrorCodes.FILE_UNSAFE, why, { file: rel });
  const real = await realpath(file);
  if (!real.startsWith(realDir + path.sep)) {
    throw unsafe(`leads outside the project root (through a link, to ${real}); aerostat reads only files inside it. Replace the link with the file itself.`);
  }
  if (noLinks && real !== file) throw unsafe("is reached through a link; replace the link with the file itself.");
  let handle: FileHandle;
  try {
    handle = await open(real, OPEN_FLAGS);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ELOOP") throw unsafe("was replaced by a link while it was being opened; replace the link with the file itself.");
    throw cause;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw unsafe(`is not a regular file (it is ${kindOf(stats)}); replace it with a regular file.`);
    return { handle, stats };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * Reads a project file as UTF-8: a descriptor or a handler. `rel` is its path
 * relative to the project root. The file must be a regular file whose real
 * path lies inside the root, no larger than its kind's limit; checked at every
 * read, so a file swapped for a link, a FIFO or a device after it was mounted
 * is refused too.
 */
export async function readProjectFile(file: string, rel: string, kind: ProjectFileKind): Promise<string> {
  const { maxBytes, limit } = ProjectFileKinds[kind];
  const tooLarge = () =>
    new AerostatError(
      UserErrorCodes.FILE_UNSAFE,
      `is larger than ${limit}, the most aerostat reads for a ${kind}. Make it smaller, or keep large data out of the project folder.`,
      { file: rel },
    );
  const { handle, stats } = await openRegularFile(file, rel, await realpath(rootOf(file, rel)));
  try {
    if (stats.size > maxBytes) throw tooLarge();
    const chunks: Buffer[] = [];
    let total = 0;
    // At most one byte past the limit: a file that grew since fstat is caught without reading it all.
    while (total <= maxBytes) {
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, maxBytes + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
    }
    if (total > maxBytes) throw tooLarge();
    return Buffer.concat(chunks, total).toString("utf8");
  } finally {
    await handle.close();
  }
}

/** The folder `rel` (a "/"-separated project-relative path of `file`) is relative to. */
function rootOf(file: string, rel: string): string {
  return path.resolve(file, ...rel.split("/").map(() => ".."));
}

function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return "a named pipe (FIFO)";
  if (stats.isDirectory()) return "a folder";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "a device";
  if (stats.isSocket()) return "a socket";
  return "not a plain file";
}
