// npm run bench:check — compares bench-results/bench.json with the targets.
// Exits 1 when a target is missed or the results are missing or from a smoke run.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { REPO } from "./lib/server-process.ts";
import { TARGETS, type BenchReport } from "./targets.ts";

const file = path.join(REPO, "bench-results/bench.json");
if (!existsSync(file)) {
  console.error(`No ${path.relative(REPO, file)}: run "npm run bench" first.`);
  process.exit(1);
}
const report = JSON.parse(readFileSync(file, "utf8")) as BenchReport;
let missed = 0;
for (const t of TARGETS) {
  const f = report.figures[t.figure];
  const ok = f !== undefined && t.met(f);
  if (!ok) missed++;
  const value = f ? (f.ratio !== undefined ? `${f.ratio.toFixed(2)}×` : f.aerostat.toFixed(2)) : "missing";
  console.log(`${ok ? "met   " : "MISSED"} ${t.figure.padEnd(24)} ${value.padStart(9)}  (target ${t.text})`);
}
if (report.smoke) {
  console.log("These are smoke figures; run the full bench to check targets.");
  process.exit(1);
}
console.log(missed ? `${missed} target(s) missed` : "all targets met");
process.exit(missed ? 1 : 0);
