/**
 * http/v4/request and http/v4/response — Dirigible's HTTP API for script
 * services. A `.js`, `.mjs` or `.ts` file below the project root that no
 * `.websocket` descriptor uses runs when `/services/v4/js/<path>` or
 * `/services/js/<path>` is requested (see the README, Script services). Its
 * top level runs once per request; what it prints is sent when it returns.
 *
 * @example
 * const request = require("http/v4/request");
 * const response = require("http/v4/response");
 * response.println("Hello, " + (request.getParameter("name") ?? "world"));
 */
declare module "http/v4/request" {
  /**
   * Whether a request is being served (false outside a script service).
   * @example
   * if (request.isValid()) console.log(request.getMethod());
   */
  export function isValid(): boolean;
  /**
   * The HTTP method: "GET", "POST", ...
   * @example
   * if (request.getMethod() === "POST") response.setStatus(201);
   */
  export function getMethod(): string;
  /**
   * The path after the script's own, "" when there is none (`/services/js/p/a.js/x/y` gives "x/y").
   * @example
   * const item = request.getPath();
   */
  export function getPath(): string;
  /**
   * The same as getPath(), by Dirigible's other name.
   * @example
   * const item = request.getResourcePath();
   */
  export function getResourcePath(): string;
  /**
   * The query string without its "?", "" when there is none.
   * @example
   * console.log(request.getQueryString()); // "name=ada&x=1"
   */
  export function getQueryString(): string;
  /**
   * The client's IP address.
   * @example
   * console.log("from " + request.getRemoteAddress());
   */
  export function getRemoteAddress(): string;
  /**
   * The first value of a query (or urlencoded form) parameter, or null.
   * @example
   * const name = request.getParameter("name") ?? "world";
   */
  export function getParameter(name: string): string | null;
  /**
   * Every value of a parameter, in order.
   * @example
   * const tags = request.getParameterValues("tag"); // ?tag=a&tag=b → ["a", "b"]
   */
  export function getParameterValues(name: string): string[];
  /**
   * The names of the parameters.
   * @example
   * for (const name of request.getParameterNames()) response.println(name);
   */
  export function getParameterNames(): string[];
  /**
   * Each parameter's first value, by name.
   * @example
   * const { page = "1" } = request.getParameters();
   */
  export function getParameters(): Record<string, string>;
  /**
   * A request header (any case), or null.
   * @example
   * const agent = request.getHeader("User-Agent");
   */
  export function getHeader(name: string): string | null;
  /**
   * The request's header names, lower-case.
   * @example
   * response.println(request.getHeaderNames().join(", "));
   */
  export function getHeaderNames(): string[];
  /**
   * The Content-Type header, or null.
   * @example
   * if (request.getContentType()?.startsWith("application/json")) handle(request.getJSON());
   */
  export function getContentType(): string | null;
  /**
   * The body as text ("" when there is none).
   * @example
   * const csv = request.getText();
   */
  export function getText(): string;
  /**
   * The body parsed as JSON (null when there is none); throws a SyntaxError when it is not JSON.
   * @example
   * const order = request.getJSON();
   */
  export function getJSON(): any;
}

declare module "http/v4/response" {
  /**
   * Whether a response can still be written.
   * @example
   * if (response.isValid()) response.println("done");
   */
  export function isValid(): boolean;
  /**
   * Sets the status, 200 to 599 (default 200).
   * @example
   * response.setStatus(404);
   */
  export function setStatus(status: number): void;
  /**
   * The status set so far.
   * @example
   * if (response.getStatus() === 200) response.println("ok");
   */
  export function getStatus(): number;
  /**
   * Sets the Content-Type (default "text/plain; charset=utf-8").
   * @example
   * response.setContentType("application/json");
   */
  export function setContentType(type: string): void;
  /**
   * Sets a header, replacing one of the same name.
   * @example
   * response.setHeader("Cache-Control", "no-store");
   */
  export function setHeader(name: string, value: string): void;
  /**
   * Adds a header, keeping others of the same name.
   * @example
   * response.addHeader("Set-Cookie", "a=1");
   */
  export function addHeader(name: string, value: string): void;
  /**
   * Appends text to the body.
   * @example
   * response.print("a");
   */
  export function print(text: unknown): void;
  /**
   * Appends text and a line break to the body.
   * @example
   * response.println("Hello");
   */
  export function println(text?: unknown): void;
  /**
   * Appends text to the body (as print).
   * @example
   * response.write("<p>hi</p>");
   */
  export function write(text: unknown): void;
  /**
   * Appends a value as JSON; sets Content-Type to application/json unless one is set.
   * @example
   * response.json({ ok: true });
   */
  export function json(value: unknown): void;
  /**
   * Kept for Dirigible scripts: the body is sent whole when the script returns.
   * @example
   * response.flush();
   */
  export function flush(): void;
  /**
   * Sends the response now; later writes throw.
   * @example
   * response.println("bye");
   * response.close();
   */
  export function close(): void;
  /**
   * Sends `status` with `message` as the body, now.
   * @example
   * if (!request.getParameter("id")) response.sendError(400, "id is required");
   */
  export function sendError(status: number, message?: string): void;
}

/**
 * The ES module form of Dirigible's current documentation.
 *
 * @example
 * import { request, response } from "sdk/http";
 * response.println(request.getMethod());
 */
declare module "sdk/http" {
  /**
   * `http/v4/request`.
   * @example
   * import { request } from "sdk/http";
   * request.getParameter("id");
   */
  export const request: typeof import("http/v4/request");
  /**
   * `http/v4/response`.
   * @example
   * import { response } from "sdk/http";
   * response.println("ok");
   */
  export const response: typeof import("http/v4/response");
}
