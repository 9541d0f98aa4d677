import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { evQueueCluster, evQueueWS } from "../../web/evqueue.js";
import { challengeResponse, sha1Hex } from "../helpers/evqueue-engine.js";
import { ADMIN, evqTestBed } from "./browser-client-kit.js";

// The evQueue client's sign-in hashing and the text of its commands.

const bed = evqTestBed();

/** Runs `fn` with evQueueWS.subtle set to WebCrypto ("subtle") or null (the JavaScript SHA-1). */
const paths = [
  ["WebCrypto", undefined],
  ["JavaScript", null],
] as const;

describe("the evQueue client's hashing", () => {
  for (const [name, subtle] of paths) {
    it(`computes the challenge HMAC and password SHA1 as node:crypto does (${name} path)`, async () => {
      evQueueWS.subtle = subtle;
      for (let n = 0; n < 130; n += 7) {
        const challenge = randomBytes(20).toString("hex");
        const passwordSha1 = sha1Hex(`pw-${n}`);
        expect(await evQueueWS.challengeResponse(challenge, passwordSha1)).toBe(challengeResponse(challenge, passwordSha1));
        const password = randomBytes(n).toString("base64") + "日本語 ✓";
        expect(await evQueueWS.hashPassword(password)).toBe(createHash("sha1").update(password, "utf8").digest("hex"));
      }
      // Block boundaries of SHA-1's padding: 55, 56 and 64 bytes.
      for (const len of [0, 55, 56, 63, 64, 65, 119, 120]) {
        expect(await evQueueWS.hashPassword("x".repeat(len))).toBe(sha1Hex("x".repeat(len)));
      }
    });

    it(`signs in to an engine (${name} path)`, async () => {
      evQueueWS.subtle = subtle;
      const engine = await bed.engine({ node: "e1" });
      const node = bed.ws(engine.url);
      await node.Connect();
      expect(node.GetState()).toBe("READY");
      expect(engine.received[0]?.frame.attributes).toEqual({ user: "admin", response: expect.stringMatching(/^[0-9a-f]{40}$/) });
    });
  }

  it("says which value is not hex", async () => {
    await expect(evQueueWS.challengeResponse("zz", ADMIN.passwordSha1)).rejects.toThrow(/the challenge must be a hex string/);
  });
});

describe("the text of a command", () => {
  const cluster = () => new evQueueCluster(["ws://127.0.0.1:1"], undefined, undefined, { reconnect: false });

  it("builds evQueue's XML: attributes escaped, parameters as children, routing left out", () => {
    const c = cluster();
    try {
      expect(c.BuildAPI({ group: "instances", action: "list" })).toBe('<instances action="list"/>');
      expect(
        c.BuildAPI({
          group: "instance",
          action: "launch",
          attributes: { name: 'a "b" <c> & d', skip: undefined },
          parameters: { line: "1\n2", n: 3 },
          node: "*",
          required_modules: ["git"],
        }),
      ).toBe('<instance action="launch" name="a &quot;b&quot; &lt;c&gt; &amp; d"><parameter name="line" value="1&#10;2"/><parameter name="n" value="3"/></instance>');
      expect(() => c.BuildAPI({ group: "bad group", action: "x" })).toThrow(/the command's group must be an XML name/);
    } finally {
      c.Close();
    }
  });
});
