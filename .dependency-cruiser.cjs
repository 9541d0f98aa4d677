/**
 * The layering of src/, checked by `npm test` (test/unit/layering.test.ts runs
 * dependency-cruiser with these rules and also checks that the folders of src/
 * form no cycle). Type-only imports count: they couple folders too.
 */
/** Folders a capability may use: the seam every capability plugs into. */
const SEAM = "protocol|ops|peers|bus|errors|log";

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Modules must not import each other in a circle.",
      from: {},
      to: { circular: true },
    },
    {
      name: "protocol-stands-alone",
      severity: "error",
      comment: "src/protocol/ is the vocabulary of the boundary and its codecs: it imports nothing else from src/.",
      from: { path: "^src/protocol/" },
      to: { path: "^src/", pathNot: "^src/protocol/" },
    },
    {
      name: "capabilities-use-only-the-seam",
      severity: "error",
      comment: `A capability depends only on the seam (${SEAM}) and its own folder.`,
      from: { path: "^src/capabilities/([^/]+)/" },
      to: { path: "^src/", pathNot: [`^src/(${SEAM})/`, "^src/capabilities/$1/"] },
    },
    {
      name: "seam-knows-no-capability",
      severity: "error",
      comment: "The seam and the sandbox never name a capability; capabilities are registered in one list.",
      from: { path: `^src/(${SEAM}|sandbox)/` },
      to: { path: "^src/capabilities/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "^src/guest/" },
  },
};
