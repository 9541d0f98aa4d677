import { describe, expect, it } from "vitest";
import { TestClient } from "../helpers/client.js";
import { descriptor } from "../helpers/project.js";
import { createTestRuntime, startProject } from "../helpers/runtime.js";

const HANDLER = `
  const configurations = require("core/v4/configurations");
  const { configurations: viaSdk } = require("sdk/core");
  exports.onMessage = (m) => {
    if (m === "keys") return configurations.getKeys().sort().join(",");
    if (m === "set") { try { configurations.set("KEY", "x"); return "set worked"; } catch (e) { return String(e); } }
    if (m === "sdk") return viaSdk.get("KEY");
    return String(configurations.get(m, "fallback"));
  };`;

const files = { "p/conf.js": HANDLER, "p/conf.websocket": descriptor("conf", "p/conf") };

describe("core/v4/configurations", () => {
  it("gives scripts the operator's values, env: references resolved, and nothing to write", async () => {
    process.env.AEROSTAT_TEST_SECRET = "from-the-environment";
    try {
      const { url } = await startProject(files, { configurations: { KEY: "value", SECRET: "env:AEROSTAT_TEST_SECRET" } });
      const c = await TestClient.connect(url("conf"));
      expect(await c.ask("KEY")).toBe("value");
      expect(await c.ask("SECRET")).toBe("from-the-environment");
      expect(await c.ask("MISSING")).toBe("fallback");
      expect(await c.ask("keys")).toBe("KEY,SECRET");
      expect(await c.ask("sdk")).toBe("value");
      expect(await c.ask("set")).toMatch(/configuration is set by the operator \(aerostat serve --config NAME=VALUE\), not by scripts/);
    } finally {
      delete process.env.AEROSTAT_TEST_SECRET;
    }
  });

  it("refuses an env: reference to a variable that is not set, naming both", () => {
    expect(() => createTestRuntime({ projectRoot: "/tmp", configurations: { KEY: "env:AEROSTAT_TEST_UNSET_VARIABLE" } })).toThrow(
      /configuration "KEY" reads the environment variable AEROSTAT_TEST_UNSET_VARIABLE, which is not set/,
    );
  });
});
