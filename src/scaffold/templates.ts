/** The files `aerostat init` writes, as text. Paths are relative to the new project. */

export interface TemplateContext {
  /** "ts" for a TypeScript handler (default), "js" for plain JavaScript. */
  readonly language: "ts" | "js";
  /** Path from the new project to aerostat's runtime-api/ folder, "/"-separated. */
  readonly runtimeApi: string;
}

const ENDPOINT = "hello";

export function templates(ctx: TemplateContext): Record<string, string> {
  const handlerFile = `app/${ENDPOINT}.${ctx.language}`;
  return {
    [`app/${ENDPOINT}.websocket`]: `${JSON.stringify(
      { handler: `app/${ENDPOINT}`, endpoint: ENDPOINT, description: "Answers each message and tells the others" },
      null,
      2,
    )}\n`,
    [handlerFile]: ctx.language === "ts" ? TS_HANDLER : JS_HANDLER,
    [ctx.language === "ts" ? "tsconfig.json" : "jsconfig.json"]: editorConfig(ctx),
    "public/index.html": PAGE,
  };
}

const TS_HANDLER = `// A handler for the "${ENDPOINT}" endpoint (see ${ENDPOINT}.websocket).
// Connect at ws://127.0.0.1:8080/websockets/v4/service/${ENDPOINT}
import { broadcast, getSessions, type Connection } from "net/v4/websockets";

export function onOpen(connection: Connection): void {
  connection.send(\`welcome, \${connection.id}: \${getSessions(connection.endpoint).length} connected\`);
}

// A string returned from onMessage is sent back to the connection.
export function onMessage(message: string | ArrayBuffer, connection: Connection): string {
  const text = typeof message === "string" ? message : \`[\${message.byteLength} bytes]\`;
  broadcast(\`\${connection.id} says: \${text}\`, { endpoint: connection.endpoint, except: [connection] });
  return \`you said: \${text}\`;
}

export function onError(error: string, connection: Connection | undefined): void {
  console.error("error on", connection?.id, error);
}
`;

const JS_HANDLER = `// A handler for the "${ENDPOINT}" endpoint (see ${ENDPOINT}.websocket).
// Connect at ws://127.0.0.1:8080/websockets/v4/service/${ENDPOINT}
const websockets = require("net/v4/websockets");

exports.onOpen = function (connection) {
  connection.send("welcome, " + connection.id + ": " + websockets.getSessions(connection.endpoint).length + " connected");
};

// A string returned from onMessage is sent back to the connection.
exports.onMessage = function (message, connection) {
  const text = typeof message === "string" ? message : "[" + message.byteLength + " bytes]";
  websockets.broadcast(connection.id + " says: " + text, { endpoint: connection.endpoint, except: [connection] });
  return "you said: " + text;
};

exports.onError = function (error, connection) {
  console.error("error on", connection && connection.id, error);
};
`;

function editorConfig(ctx: TemplateContext): string {
  const config = {
    // Editor autocomplete and \`npx tsc -p .\` for handlers: the runtime's types, no Node or DOM globals.
    compilerOptions: {
      allowJs: true,
      checkJs: true,
      strict: ctx.language === "ts",
      module: "preserve",
      target: "es2023",
      lib: ["es2023"],
      types: [],
      noEmit: true,
      skipLibCheck: true,
    },
    include: ["**/*.ts", "**/*.js", "**/*.mjs", `${ctx.runtimeApi}/**/*.d.ts`],
    exclude: ["public"],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>${ENDPOINT}</title>
  <style>
    body { font: 15px/1.4 system-ui, sans-serif; margin: 2rem; max-width: 40rem; }
    #state { color: #666; }
    ol { font-family: ui-monospace, monospace; }
  </style>
</head>
<body>
  <h1>${ENDPOINT} <small id="state">connecting…</small></h1>
  <form id="form"><input name="text" value="hello" autocomplete="off"> <button>Send</button></form>
  <ol id="log"></ol>
  <p>The live dashboard is at the "dashboard" URL the server printed when it started (it carries a token).</p>
  <script type="module">
    import { connect } from "/websockets/v4/client.js";

    const log = (text) => document.getElementById("log").append(Object.assign(document.createElement("li"), { textContent: text }));
    const state = document.getElementById("state");
    const socket = connect(\`ws://\${location.host}/websockets/v4/service/${ENDPOINT}\`);
    socket.on("open", () => (state.textContent = "open"));
    socket.on("reconnect", (e) => (state.textContent = \`reconnecting (attempt \${e.attempt})…\`));
    socket.on("message", (e) => log(e.data));
    document.getElementById("form").onsubmit = (e) => {
      e.preventDefault();
      socket.send(e.target.text.value);
      log("> " + e.target.text.value);
    };
  </script>
</body>
</html>
`;
