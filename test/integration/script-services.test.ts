import { symlinkSync } from "node:fs";
import { request as httpRequest } from "node:http";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { descriptor } from "../helpers/project.js";
import { startProject, waitUntil } from "../helpers/runtime.js";

const get = async (url: string, init?: RequestInit) => {
  const res = await fetch(url, init);
  return { status: res.status, type: res.headers.get("content-type"), headers: res.headers, body: await res.text() };
};

/** A GET with headers fetch may not set (Host, Sec-Fetch-Site). */
function getAs(url: string, host: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { host, ...headers } }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => (body += d)).on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject).end();
  });
}

// Dirigible runs a project's .js files as HTTP services: /services/v4/js/<path> (4–6), /services/js/<path> (7+).
describe("script services", () => {
  it("runs the Dirigible docs' Client example as written when its URL is opened", async () => {
    const { runtime, project, logs } = await startProject({
      "my-project/ws-handler.js": `
        exports.onOpen = function()  { console.log("Connection openned."); }
        exports.onMessage = function(message) { console.log("Message received: " + message); }
        exports.onError = function(error) { console.error("Error: " + error); }
        exports.onClose = function() { console.warn("Connection closed."); }`,
      "my-project/echo.js": `exports.onMessage = (m) => { console.log("echo heard " + m); return m; };`,
      "my-project/echo.websocket": descriptor("echo", "my-project/echo"),
    });
    const uri = runtime.serviceUrl("echo");
    await project.write(
      "my-project/client.js",
      `var websockets = require("net/v4/websockets");
var uri = "${uri}";
var handler = "my-project/ws-handler"

function initialize() {
    console.log("Connect to: " + uri);
    var websocket = websockets.createWebsocket(uri, handler);
    websocket.send("hello");
}

initialize();

websockets.getClientByHandler(handler).close();
`,
    );
    const answer = await get(`${runtime.url}/services/v4/js/my-project/client.js`);
    expect(answer.status).toBe(200);
    expect(answer.body).toBe("");
    const said = () => logs.lines.map((l) => l.msg);
    await waitUntil(() => said().includes("Connection closed."), 5000, "the client to close");
    expect(said()).toContain(`Connect to: ${uri}`);
    expect(said()).toContain("Connection openned.");
    expect(said()).toContain("echo heard hello");
    // Its top level ran for the request only, not when it loaded.
    expect(said().filter((m) => m === `Connect to: ${uri}`)).toHaveLength(1);
  });

  it("gives the request and takes the response through http/v4/request, http/v4/response and sdk/http", async () => {
    const { runtime } = await startProject({
      "p/hello.js": `const request = require("http/v4/request");
        const response = require("http/v4/response");
        response.setStatus(201);
        response.setContentType("application/json");
        response.setHeader("X-Served-By", "aerostat");
        response.println(JSON.stringify({
          method: request.getMethod(), name: request.getParameter("name"), tags: request.getParameterValues("tag"),
          missing: request.getParameter("nope"), agent: request.getHeader("x-agent"), path: request.getPath(),
          query: request.getQueryString(), body: request.getMethod() === "POST" ? request.getJSON() : null,
        }));
        response.flush();`,
      "p/modern.mjs": `import { request, response } from "sdk/http";
        import { websockets } from "sdk/net";
        response.print("modern " + request.getMethod() + " " + websockets.getMethod());`,
      "p/typed.ts": `import { response } from "sdk/http";
        const n: number = 6 * 7;
        response.json({ n });`,
    });
    const hello = await get(`${runtime.url}/services/v4/js/p/hello.js/items/7?name=ada&tag=a&tag=b`, { headers: { "X-Agent": "t1" } });
    expect(hello.status).toBe(201);
    expect(hello.type).toBe("application/json");
    expect(hello.headers.get("x-served-by")).toBe("aerostat");
    expect(JSON.parse(hello.body)).toEqual({
      method: "GET", name: "ada", tags: ["a", "b"], missing: null, agent: "t1", path: "items/7", query: "name=ada&tag=a&tag=b", body: null,
    });
    const posted = await get(`${runtime.url}/services/js/p/hello.js`, { method: "POST", body: JSON.stringify({ x: [1] }), headers: { "content-type": "application/json" } });
    expect(JSON.parse(posted.body)).toMatchObject({ method: "POST", body: { x: [1] }, path: "" });
    const modern = await get(`${runtime.url}/services/js/p/modern.mjs`);
    expect(modern).toMatchObject({ status: 200, body: "modern GET null", type: "text/plain; charset=utf-8" });
    expect(modern.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await get(`${runtime.url}/services/js/p/typed.ts`)).toMatchObject({ status: 200, body: '{"n":42}', type: "application/json" });
  });

  it("runs the top level afresh for every request, and the saved code at once", async () => {
    const { runtime, project } = await startProject({
      "p/count.js": `var count = (typeof count === "number" ? count : 0) + 1;
        let seen = 0; seen++;
        require("http/v4/response").print("v1 " + seen);`,
    });
    const url = `${runtime.url}/services/js/p/count.js`;
    expect((await get(url)).body).toBe("v1 1");
    expect((await get(url)).body).toBe("v1 1");
    await project.write("p/count.js", `require("http/v4/response").print("v2");`);
    await waitUntil(async () => (await get(url)).body === "v2", 5000, "the saved code to serve");
  });

  it("answers 500 with the error when the script throws or runs past the CPU limit, and serves the next request", async () => {
    const { runtime, logs } = await startProject(
      {
        "p/fail.js": `const request = require("http/v4/request");
          const response = require("http/v4/response");
          response.println("partial");
          if (request.getParameter("spin")) for (;;) {}
          if (request.getParameter("throw")) throw new RangeError("no such item");
          response.println("fine");`,
      },
      { cpuLimitMs: 200 },
    );
    const url = `${runtime.url}/services/js/p/fail.js`;
    const thrown = await get(`${url}?throw=1`);
    expect(thrown.status).toBe(500);
    expect(thrown.body).toContain("RangeError: no such item");
    expect(thrown.body).not.toContain("partial");
    const fault = await waitUntil(() => logs.lines.find((l) => l.at === "p/fail.js:5:52"), 3000, "the fault report");
    expect(fault).toMatchObject({ handler: "p/fail.js", path: "/services/js/p/fail.js", request: expect.stringMatching(/^h\d+$/) });
    expect(fault.msg).toBe("p/fail.js:5:52: script service threw RangeError: no such item");
    const spun = await get(`${url}?spin=1`);
    expect(spun.status).toBe(500);
    expect(spun.body).toContain("ran past the CPU limit of 200 ms");
    expect(await get(url)).toMatchObject({ status: 200, body: "partial\nfine\n" });
  });

  it("says why a script cannot load, with its file and line", async () => {
    const { runtime } = await startProject({ "p/broken.js": `require("http/v4/response").print("x";` });
    const broken = await get(`${runtime.url}/services/js/p/broken.js`);
    expect(broken.status).toBe(500);
    expect(broken.body).toContain("p/broken.js:1");
    expect(broken.body).toContain("syntax error");
  });

  it("never runs WebSocket handlers, static files or files outside the project, and says why", async () => {
    const { runtime } = await startProject({
      "p/h.js": `exports.onMessage = (m) => m;`,
      "p/h.websocket": descriptor("h", "p/h"),
      "public/app.js": `console.log("for browsers");`,
      "p/data.json": "{}",
    });
    const at = (path: string) => get(`${runtime.url}/services/js/${path}`);
    const handler = await at("p/h.js");
    expect(handler.status).toBe(403);
    expect(handler.body).toContain("p/h.js serves WebSockets");
    expect(await at("public/app.js")).toMatchObject({ status: 403, body: expect.stringContaining("static folder") });
    expect(await at("p/missing.js")).toMatchObject({ status: 404, body: expect.stringContaining("No script service at p/missing.js") });
    expect((await at("p/data.json")).status).toBe(404);
    expect((await at("p/..%2fp/h.js")).status).toBe(400);
  });

  it("only runs for this machine unless allowed, and not at all when turned off", async () => {
    const files = { "p/s.js": `require("http/v4/response").print("ran");` };
    const loopback = await startProject(files);
    const refused = await getAs(`${loopback.runtime.url}/services/js/p/s.js`, "app.example.com");
    expect(refused.status).toBe(403);
    expect(refused.body).toContain("--script-services anywhere");
    const anywhere = await startProject(files, { scriptServices: "anywhere" });
    expect(await getAs(`${anywhere.runtime.url}/services/js/p/s.js`, "app.example.com")).toMatchObject({ status: 200, body: "ran" });
    const off = await startProject(files, { scriptServices: "off" });
    expect(await get(`${off.runtime.url}/services/js/p/s.js`)).toMatchObject({ status: 404, body: expect.stringContaining("turned off") });
  });

  it("refuses pages of other sites, and requests that came through a proxy while only this machine may call", async () => {
    const { runtime } = await startProject({ "p/s.js": `require("http/v4/response").print("ran " + require("http/v4/request").getMethod());` });
    const url = `${runtime.url}/services/js/p/s.js`;
    const host = new URL(runtime.url).host;
    const crossSite = await get(url, { method: "POST", body: "x=1", headers: { Origin: "http://evil.example", "content-type": "application/x-www-form-urlencoded" } });
    expect(crossSite.status).toBe(403);
    expect(crossSite.body).toContain("pages of other sites");
    expect((await getAs(url, host, { "sec-fetch-site": "cross-site" })).status).toBe(403);
    const proxied = await getAs(url, host, { "x-forwarded-for": "203.0.113.9" });
    expect(proxied.status).toBe(403);
    expect(proxied.body).toContain("came through a proxy");
    // The same origin, and no browser at all, are fine.
    expect(await get(url, { method: "POST", body: "", headers: { Origin: runtime.url } })).toMatchObject({ status: 200, body: "ran POST" });
    expect(await getAs(url, host, { "sec-fetch-site": "same-origin" })).toMatchObject({ status: 200, body: "ran GET" });
  });

  it("never runs a file a descriptor names, even one not mounted, nor a handler through a link", async () => {
    const { runtime } = await startProject(
      {
        "p/h.js": `exports.onMessage = (m) => m;`,
        "p/a.websocket": descriptor("same", "p/h"),
        "q/other.js": `require("http/v4/response").print("other ran");`,
        // Loses the endpoint to p/a.websocket: not mounted, but still names q/other.js.
        "q/b.websocket": descriptor("same", "/q/other.js"),
      },
      {},
      (project) => symlinkSync("h.js", path.join(project.root, "p/alias.js")),
    );
    expect(await get(`${runtime.url}/services/js/q/other.js`)).toMatchObject({ status: 403, body: expect.stringContaining("q/other.js serves WebSockets") });
    expect(await get(`${runtime.url}/services/js/p/alias.js`)).toMatchObject({ status: 403, body: expect.stringContaining("p/h.js serves WebSockets") });
  });

  it("answers waiting requests at once when their script becomes a WebSocket handler", async () => {
    const { runtime, project } = await startProject({
      "p/slow.js": `const end = Date.now() + 150; while (Date.now() < end) {} require("http/v4/response").print("done");`,
    });
    const url = `${runtime.url}/services/js/p/slow.js`;
    expect((await get(url)).body).toBe("done");
    const started = performance.now();
    const answers = Promise.all([get(url), get(url), get(url), get(url)]);
    await waitUntil(() => runtime.handlerStats().some((h) => h.handler === "p/slow.js" && h.queued + h.running >= 3), 5000, "requests to wait");
    await project.write("p/slow.websocket", descriptor("slow", "p/slow"));
    const statuses = (await answers).map((a) => a.status);
    expect(statuses.every((st) => st === 200 || st === 503)).toBe(true);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it("tells a WebSocket handler that uses the response that no request is being served", async () => {
    const { runtime, url } = await startProject({
      "p/h.js": `const response = require("http/v4/response");
        exports.onMessage = () => { try { response.println("x"); return "printed"; } catch (e) { return e.message; } };`,
      "p/h.websocket": descriptor("h", "p/h"),
    });
    void runtime;
    const { TestClient } = await import("../helpers/client.js");
    expect(await (await TestClient.connect(url("h"))).ask("go")).toMatch(/no HTTP request is being served/);
  });
});
