// npm run bench:check — compares bench-results/bench.json (and cross-node.json,
// from `npm run bench -- --cross-node`, and socketcluster.json, from
// `npm run bench -- --socketcluster`) with the targets. Exits 1 when a target
// is missed or its results are missing or from a smoke run.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { REPO } from "./lib/server-process.ts";
import { TARGETS, type Figure } from "./targets.ts";

const files = { bench: "bench-results/bench.json", "cross-node": "bench-results/cross-node.json", socketcluster: "bench-results/socketcluster.json" } as const;
const how = { bench: "npm run bench", "cross-node": "npm run bench -- --cross-node", socketcluster: "npm run bench -- --socketcluster" } as const;
type Source = keyof typeof files;
const reports = new Map<Source, { smoke: boolean; figures: Record<string, Figure> } | undefined>();
for (const source of Object.keys(files) as Source[]) {
  const file = path.join(REPO, files[source]);
  reports.set(source, existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as { smoke: boolean; figures: Record<string, Figure> }) : undefined);
}

let missed = 0;
let smoke = false;
for (const t of TARGETS) {
  const source: Source = t.report ?? "bench";
  const report = reports.get(source);
  if (!report) {
    missed++;
    console.log(`MISSED ${t.figure.padEnd(28)} no ${files[source]}: run "${how[source]}" first`);
    continue;
  }
  smoke ||= report.smoke;
  const f = report.figures[t.figure];
  const ok = f !== undefined && t.met(f);
  if (!ok) missed++;
  const value = f ? (f.ratio !== undefined ? `${f.ratio.toFixed(2)}×` : f.aerostat.toFixed(2)) : "missing";
  console.log(`${ok ? "met   " : "MISSED"} ${t.figure.padEnd(28)} ${value.padStart(9)}  (target ${t.text})`);
}
if (smoke) {
  console.log("Some of these are smoke figures; run the full bench to check targets.");
  process.exit(1);
}
console.log(missed ? `${missed} target(s) missed` : "all targets met");
process.exit(missed ? 1 : 0);
