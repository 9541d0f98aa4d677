import { describe, expect, it } from "vitest";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil } from "../helpers/runtime.js";

describe("project folders that appear while the server runs", () => {
  it("mounts every endpoint of folders made in one go, files written the moment each folder exists", async () => {
    const { runtime, project } = await startProject({ "a/h.js": "exports.onMessage = (m) => m;", "a/a.websocket": descriptor("a", "a/h") });
    const names = Array.from({ length: 40 }, (_, i) => `f${i}`);
    // Like a copy or a checkout: each folder, then at once its handler and descriptor.
    await Promise.all(
      names.map(async (n) => {
        await project.write(`${n}/h.js`, "exports.onMessage = (m) => m;");
        await project.write(`${n}/${n}.websocket`, descriptor(n, `${n}/h`));
      }),
    );
    const mounted = await waitUntil(() => {
      const have = new Set(runtime.endpoints().map((e) => e.endpoint));
      return names.every((n) => have.has(n)) ? have : undefined;
    }, 15_000, "every new folder's endpoint").catch(() => new Set(runtime.endpoints().map((e) => e.endpoint)));
    expect(names.filter((n) => !mounted.has(n))).toEqual([]);
  });
});
