import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { TestClient } from "../helpers/client.js";
import { spawn } from "node:child_process";
import { CLI, CliProcess, killAll, REPO } from "../helpers/cli-process.js";

afterEach(() => killAll());

function run(args: string[]) {
  const proc = new CliProcess(args);
  return { child: proc.child, output: () => proc.output(), exited: proc.exited, waitFor: (re: RegExp) => proc.waitFor(re) };
}

describe("aerostat serve (the built CLI)", () => {
  it("serves sample-project: prints the endpoint URLs, echoes, serves the page, and exits 0 on SIGTERM", async () => {
    const { child, output, exited, waitFor } = run(["serve", "sample-project", "--port", "0"]);
    const [, echoUrl] = await waitFor(/echo\s+(ws:\/\/127\.0\.0\.1:\d+\/websockets\/v4\/service\/echo)/);
    expect(output()).toMatch(/my-endpoint\s+ws:\/\/.*\/websockets\/v4\/service\/my-endpoint/);
    const [, dashboardUrl] = output().match(/dashboard\s+(http:\/\/127\.0\.0\.1:\d+\/websockets\/v4\/\?token=[A-Za-z0-9_-]{22})\n/)!;
    expect((await fetch(dashboardUrl!)).status).toBe(200);
    expect((await fetch(dashboardUrl!.replace(/\?.*$/, ""))).status).toBe(403);
    expect(output()).toMatch(/client library\s+http:\/\/127\.0\.0\.1:\d+\/websockets\/v4\/client\.js/);
    const c = await TestClient.connect(echoUrl!);
    await c.received(1);
    expect(await c.ask("hello")).toBe("echo: hello");
    const seed = await TestClient.connect(echoUrl!.replace(/echo$/, "my-endpoint"));
    const page = await fetch(echoUrl!.replace(/^ws/, "http").replace(/\/websockets.*$/, "/"));
    expect(await page.text()).toContain("/websockets/v4/service/");
    const started = Date.now();
    child.kill("SIGTERM");
    expect((await c.closed).code).toBe(1001);
    expect((await seed.closed).code).toBe(1001);
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    // The sessions' onClose ran before the exit (the reference handler logs it).
    expect(output()).toMatch(/Connection closed\./);
  });

  it("started as plain `node main.js` (no --no-node-snapshot), restarts itself in place with the flag and serves", async () => {
    const env = { ...process.env, NODE_OPTIONS: "", AEROSTAT_LOG_LEVEL: "info" };
    const child = spawn(process.execPath, [CLI, "serve", "sample-project", "--port", "0"], { cwd: REPO, env });
    const proc = new CliProcess([], child);
    const [, echoUrl] = await proc.waitFor(/echo\s+(ws:\/\/127\.0\.0\.1:\d+\/websockets\/v4\/service\/echo)/);
    const c = await TestClient.connect(echoUrl!);
    await c.received(1);
    expect(await c.ask("hello")).toBe("echo: hello");
    // The same process (execve), so signals reach the server itself: SIGTERM closes the sessions and exits 0.
    child.kill("SIGTERM");
    expect((await c.closed).code).toBe(1001);
    expect(await proc.exited).toBe(0);
    expect(proc.output()).not.toMatch(/AEROSTAT_NODE_FLAGS|no-node-snapshot/);
  });

  it("refuses a project folder that does not exist, with exit code 1", async () => {
    const { output, exited } = run(["serve", "no-such-folder", "--port", "0"]);
    expect(await exited).toBe(1);
    expect(output()).toMatch(/aerostat: .*no-such-folder does not exist or is not a folder/);
  });

  it("rejects a bad --port with a message naming the option", async () => {
    const { output, exited } = run(["serve", "sample-project", "--port", "70000"]);
    expect(await exited).not.toBe(0);
    expect(output()).toContain("--port must be a whole number from 0 to 65535");
  });

  it("says a port is busy before loading anything, and how to get a free one", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const { output, exited } = run(["serve", "sample-project", "--port", String(port)]);
      expect(await exited).toBe(1);
      expect(output()).toContain(`aerostat: port ${port} on 127.0.0.1 is in use. Stop what uses it, or pass --port 0 for a free one.`);
      expect(output()).not.toMatch(/mounted|loaded/);
    } finally {
      blocker.close();
    }
  });

  it("prints usable links when listening on every interface, a JSON banner with --log-format json, and its version", async () => {
    const everywhere = run(["serve", "sample-project", "--port", "0", "--host", "0.0.0.0"]);
    const [, line] = await everywhere.waitFor(/(aerostat serving .*)\n/);
    expect(line).toMatch(/at http:\/\/127\.0\.0\.1:\d+\/ \(listening on every interface\)$/);
    expect(everywhere.output()).toMatch(/echo\s+ws:\/\/127\.0\.0\.1:\d+\/websockets\/v4\/service\/echo/);
    const favicon = await fetch(line!.match(/http:\/\/127\.0\.0\.1:\d+/)![0] + "/favicon.ico");
    expect(favicon.headers.get("content-type")).toMatch(/^image\/svg\+xml/);
    everywhere.child.kill("SIGTERM");
    // The banner is written whatever the log level (tools wait for it).
    const jsonArgs = ["serve", "sample-project", "--port", "0", "--log-format", "json"];
    const json = new CliProcess(jsonArgs, spawn(process.execPath, ["--no-node-snapshot", CLI, ...jsonArgs], { cwd: REPO, env: { ...process.env, AEROSTAT_LOG_LEVEL: "warn" } }));
    const [banner] = await json.waitFor(/\{[^\n]*"msg":"serving [^\n]*\}/);
    expect(JSON.parse(banner!)).toMatchObject({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), endpoints: expect.arrayContaining([expect.objectContaining({ endpoint: "echo" })]) });
    json.child.kill("SIGTERM");
    const version = run(["--version"]);
    expect(await version.exited).toBe(0);
    expect(version.output().trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
