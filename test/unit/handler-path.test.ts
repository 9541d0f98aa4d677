import { mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { projectOf, resolveHandler } from "../../src/project/handler-path.js";
import { TempProject } from "../helpers/project.js";

const EXTENSIONS = [".js", ".mjs", ".cjs", ".ts", ".mts", ".cts"];
const CODE = "exports.onMessage = (m) => m;";

const made: { dispose(): void | Promise<void> }[] = [];
afterEach(async () => {
  for (const m of made.splice(0)) await m.dispose();
});

async function project(files: Record<string, string>): Promise<TempProject> {
  const p = await TempProject.create(files);
  made.push(p);
  return p;
}

/** A folder outside every project, with a file in it. */
function outside(): string {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), "aerostat-outside-")));
  made.push({ dispose: () => rmSync(dir, { recursive: true, force: true }) });
  writeFileSync(path.join(dir, "h.js"), CODE);
  return dir;
}

/** The error resolveHandler throws, for assertions on it. */
function refusal(root: string, handler: string): { code: string; message: string; location: unknown } {
  try {
    resolveHandler(root, handler, "p/h.websocket");
  } catch (error) {
    return error as { code: string; message: string; location: unknown };
  }
  throw new Error(`"${handler}" was resolved`);
}

describe("projectOf", () => {
  it("is the first folder of a project-relative path, or empty at the root", () => {
    expect(projectOf("p/h.js")).toBe("p");
    expect(projectOf("a/b/c.ts")).toBe("a");
    expect(projectOf("h.js")).toBe("");
  });
});

describe("resolveHandler", () => {
  it.each(EXTENSIONS)("finds a %s handler named with or without its extension", async (ext) => {
    const p = await project({ [`p/sub/h${ext}`]: CODE });
    const expected = { key: `p/sub/h${ext}`, file: p.path(`p/sub/h${ext}`), project: "p" };
    expect(resolveHandler(p.root, "p/sub/h", "p/h.websocket")).toEqual(expected);
    expect(resolveHandler(p.root, `p/sub/h${ext}`, "p/h.websocket")).toEqual(expected);
  });

  it("finds the one file a path without extension names, with any of .js .mjs .cjs .ts .mts .cts, and refuses a path that names several", async () => {
    for (const ext of EXTENSIONS) {
      const p = await project({ [`p/h${ext}`]: CODE });
      expect(resolveHandler(p.root, "p/h", "p/h.websocket").key).toBe(`p/h${ext}`);
    }
    const all = await project(Object.fromEntries(EXTENSIONS.map((e) => [`p/h${e}`, CODE])));
    expect(refusal(all.root, "p/h").message).toBe(
      'handler "p/h" is ambiguous: p/h.js, p/h.mjs, p/h.cjs, p/h.ts, p/h.mts and p/h.cts all exist. Write the extension of the one you mean, or remove the others.',
    );
    expect(resolveHandler(all.root, "p/h.ts", "p/h.websocket").key).toBe("p/h.ts");
  });

  it("skips a file without a handler extension and folders named like a handler", async () => {
    const p = await project({ "p/h": "not code", "p/h.js": CODE, "p/d.js/inner.js": CODE, "p/notes.txt": "" });
    expect(resolveHandler(p.root, "p/h", "p/h.websocket").key).toBe("p/h.js");
    expect(refusal(p.root, "p/d").message).toMatch(/was not found/);
    expect(refusal(p.root, "p/notes.txt").message).toMatch(/was not found/);
  });

  it.each([
    ["../elsewhere/h", "a parent folder"],
    ["p/../../elsewhere/h", "a parent folder mid-path"],
    ["p/../p/h", "'..' even when it would land inside"],
    ["p\\..\\..\\h", "'..' with backslashes"],
    ["/etc/passwd", "an absolute path"],
  ])("refuses %s (%s)", async (handler) => {
    const p = await project({ "p/h.js": CODE });
    const error = refusal(p.root, handler);
    expect(error.code).toBe("AEROSTAT_HANDLER_NOT_FOUND");
    expect(error.message).toBe(`handler "${handler}" must be a path inside the project root, without '..' or a leading '/'`);
    expect(error.location).toMatchObject({ file: "p/h.websocket", field: "handler" });
  });

  it("refuses a handler that is a link to a file outside the root", async () => {
    const p = await project({});
    await mkdir(p.path("p"));
    symlinkSync(path.join(outside(), "h.js"), p.path("p/h.js"));
    const error = refusal(p.root, "p/h");
    expect(error.code).toBe("AEROSTAT_HANDLER_NOT_FOUND");
    expect(error.message).toBe('handler "p/h" leads outside the project root (through a link)');
  });

  it("refuses a handler reached through a linked folder outside the root", async () => {
    const p = await project({ "p/keep.txt": "" });
    symlinkSync(outside(), p.path("p/lib"));
    expect(refusal(p.root, "p/lib/h.js").message).toBe('handler "p/lib/h.js" leads outside the project root (through a link)');
  });

  it("follows a link that stays inside the root, keyed by the name the descriptor used", async () => {
    const p = await project({ "p/real.js": CODE });
    symlinkSync(p.path("p/real.js"), p.path("p/alias.js"));
    expect(resolveHandler(p.root, "p/alias", "p/h.websocket")).toEqual({ key: "p/alias.js", file: p.path("p/alias.js"), project: "p" });
  });

  it("works when the root itself is reached through a link", async () => {
    const p = await project({ "p/h.ts": CODE });
    const linkDir = realpathSync(mkdtempSync(path.join(tmpdir(), "aerostat-link-")));
    made.push({ dispose: () => rmSync(linkDir, { recursive: true, force: true }) });
    const root = path.join(linkDir, "root");
    symlinkSync(p.root, root);
    expect(resolveHandler(root, "p/h", "p/h.websocket")).toEqual({ key: "p/h.ts", file: path.join(root, "p/h.ts"), project: "p" });
  });

  it("names every file it looked for when the handler is missing", async () => {
    const p = await project({ "p/other.js": CODE });
    const error = refusal(p.root, "p/missing");
    expect(error.code).toBe("AEROSTAT_HANDLER_NOT_FOUND");
    expect(error.message).toBe(
      'handler "p/missing" was not found: looked for p/missing, p/missing.js, p/missing.mjs, p/missing.cjs, ' +
        "p/missing.ts, p/missing.mts, p/missing.cts. Create the file or fix the path.",
    );
    expect(error.location).toMatchObject({ file: "p/h.websocket", field: "handler" });
    // Named with an extension, only that file is looked for.
    expect(refusal(p.root, "p/missing.ts").message).toBe(
      'handler "p/missing.ts" was not found: looked for p/missing.ts. Create the file or fix the path.',
    );
  });
});
