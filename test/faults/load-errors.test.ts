import { describe, expect, it } from "vitest";
import { descriptor } from "../helpers/project.js";
import { nextReload, startProject, waitUntil } from "../helpers/runtime.js";

describe("load errors", () => {
  it("name the real throw, whatever the module's top-level code logged first", async () => {
    const { runtime } = await startProject({
      "p/h.js": "console.log('a\\u0000b\\u0000c'); throw new TypeError('nope');",
      "p/h.websocket": descriptor("h", "p/h"),
    });
    expect(runtime.handlerStats()[0]?.error).toMatch(/^p\/h\.js:1:\d+: top-level code threw TypeError: nope\./);
  });

  it("claim no last good version on a first load, and have no double period", async () => {
    const { runtime } = await startProject({
      "p/h.ts": `import { parse } from "./util";\nexport const onMessage = (m: string): string => parse(m);\n`,
      "p/h.websocket": descriptor("h", "p/h"),
      "p/t.js": "throw new Error('ends with a period.');",
      "p/t.websocket": descriptor("t", "p/t"),
    });
    const errors = await waitUntil(() => {
      const stats = runtime.handlerStats();
      return stats.length === 2 && stats.every((s) => s.error) ? Object.fromEntries(stats.map((s) => [s.handler, s.error!])) : undefined;
    });
    expect(errors["p/h.ts"]).toBe(
      'p/h.ts:1:23: cannot import "./util": no such file in the project (tried .ts .mts .cts .js .mjs .cjs .json and index files); create it or fix the path.',
    );
    expect(errors["p/t.js"]).toBe("p/t.js:1:7: top-level code threw Error: ends with a period. Fix the module and save it again.");
    for (const text of Object.values(errors)) {
      expect(text).not.toMatch(/last good version/);
      expect(text).not.toMatch(/\.\./);
    }
  });

  it("say the last good version keeps serving when one does", async () => {
    const { runtime, project } = await startProject({
      "p/h.ts": `export const onMessage = (m: string): string => m;\n`,
      "p/h.websocket": descriptor("h", "p/h"),
    });
    await waitUntil(() => runtime.handlerStats()[0]?.ready);
    const failed = nextReload(runtime, (e) => e.file === "p/h.ts" && !e.ok);
    await project.write("p/h.ts", `import { parse } from "./util";\nexport const onMessage = (m: string): string => parse(m);\n`);
    expect((await failed).error?.toString()).toBe(
      'p/h.ts:1:23: cannot import "./util": no such file in the project (tried .ts .mts .cts .js .mjs .cjs .json and index files); ' +
        "create it or fix the path. The last good version keeps serving meanwhile.",
    );
    const threw = nextReload(runtime, (e) => e.file === "p/h.ts" && !e.ok);
    await project.write("p/h.ts", "throw new Error('ends with a period.');\n");
    expect((await threw).error?.toString()).toBe(
      "p/h.ts:1:7: top-level code threw Error: ends with a period. Fix the module; the last good version keeps serving meanwhile.",
    );
  });
});
