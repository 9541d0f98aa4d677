import { describe, expect, it } from "vitest";
import { MIN_NODE_MAJOR, nodeVersionProblem } from "../../src/platform/node-version.js";

describe("the Node version check", () => {
  it("accepts Node 24 and later, and names the version and the way to get it otherwise", () => {
    expect(MIN_NODE_MAJOR).toBe(24);
    for (const ok of ["v24.0.0", "v24.21.0", "v25.1.0", "v100.0.0"]) expect(nodeVersionProblem(ok)).toBeUndefined();
    expect(nodeVersionProblem("v23.11.1")).toBe(
      "aerostat needs Node.js 24 or later (this is v23.11.1): install it (nvm install 24, or npm install node@24 and run it from node_modules/.bin) and run again.",
    );
    expect(nodeVersionProblem("v20.20.2")).toMatch(/\(this is v20\.20\.2\)/);
    expect(nodeVersionProblem("v4.9.1")).toMatch(/\(this is v4\.9\.1\)/);
  });
});
