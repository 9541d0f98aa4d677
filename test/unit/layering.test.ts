import { createRequire } from "node:module";
import path from "node:path";
import { cruise, type ICruiseResult, type IModule } from "dependency-cruiser";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const rules = createRequire(import.meta.url)(path.join(root, ".dependency-cruiser.cjs"));

/** dependency-cruiser's view of src/, with the project's rules applied. */
async function cruiseSrc(): Promise<ICruiseResult> {
  const cwd = process.cwd();
  process.chdir(root);
  try {
    const { forbidden, options } = rules;
    const result = await cruise(["src"], { ...options, ruleSet: { forbidden }, validate: true });
    return result.output as ICruiseResult;
  } finally {
    process.chdir(cwd);
  }
}

/** "src/sandbox/x.ts" → "sandbox"; files directly in src/ → "(root)". */
function folderOf(file: string): string {
  const parts = file.split("/");
  return parts.length > 2 ? parts[1]! : "(root)";
}

/** Folder → folders it imports (type-only imports included). */
function folderGraph(modules: IModule[]): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const m of modules) {
    if (!m.source.startsWith("src/")) continue;
    const from = folderOf(m.source);
    for (const d of m.dependencies) {
      if (!d.resolved.startsWith("src/")) continue;
      const to = folderOf(d.resolved);
      if (to !== from) (graph.get(from) ?? graph.set(from, new Set()).get(from)!).add(to);
    }
  }
  return graph;
}

/** Every folder cycle, as a path "a → b → a". */
function folderCycles(graph: Map<string, Set<string>>): string[] {
  const cycles: string[] = [];
  const visit = (node: string, trail: string[]) => {
    for (const next of graph.get(node) ?? []) {
      const at = trail.indexOf(next);
      if (at === 0) cycles.push([...trail, next].join(" → "));
      else if (at === -1 && next > trail[0]!) visit(next, [...trail, next]);
    }
  };
  for (const start of graph.keys()) visit(start, [start]);
  return cycles;
}

describe("layering of src/", () => {
  it("breaks none of the rules in .dependency-cruiser.cjs (no module cycles; protocol/ stands alone; capabilities use only the seam)", async () => {
    const output = await cruiseSrc();
    const violations = output.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
    expect(violations).toEqual([]);
    expect(output.modules.filter((m) => m.source.startsWith("src/")).length).toBeGreaterThan(50);
  });

  it("has no cycle between folders, type-only imports included", async () => {
    const graph = folderGraph((await cruiseSrc()).modules);
    expect(graph.size).toBeGreaterThan(8);
    expect(folderCycles(graph)).toEqual([]);
  });

  it("finds a folder cycle when there is one", () => {
    const graph = new Map([
      ["a", new Set(["b"])],
      ["b", new Set(["c"])],
      ["c", new Set(["a"])],
      ["d", new Set(["a"])],
    ]);
    expect(folderCycles(graph)).toEqual(["a → b → c → a"]);
  });
});
