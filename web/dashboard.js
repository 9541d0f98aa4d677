// The dashboard page's script. The server pushes a snapshot over the live
// socket every second; this file only draws it. Every value is shown with
// textContent: error messages and names come from user scripts.
import { connect } from "/websockets/v4/client.js";

const STATES = ["connecting", "open", "closing", "closed"];
const $ = (id) => document.getElementById(id);

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function row(cells) {
  const tr = document.createElement("tr");
  for (const cell of cells) {
    const td = document.createElement("td");
    if (cell instanceof Node) td.append(cell);
    else td.textContent = String(cell);
    tr.append(td);
  }
  return tr;
}

function fill(tbody, rows, columns, emptyText) {
  tbody.replaceChildren(...rows);
  if (rows.length === 0) {
    const td = el("td", emptyText, "empty");
    td.colSpan = columns;
    const tr = document.createElement("tr");
    tr.append(td);
    tbody.append(tr);
  }
}

/** Which endpoint's sessions are shown in detail (null: none); the server sends their details. */
let open = null;
/** The newest snapshot's details, for the endpoint in `open`. */
let details = null;
let canClose = false;

function kib(bytes) {
  return bytes < 1024 ? `${bytes} B` : bytes < 1048576 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1048576).toFixed(1)} MiB`;
}

function age(ms) {
  const s = Math.floor(ms / 1000);
  return s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function button(text, onClick, className) {
  const b = el("button", text, className);
  b.type = "button";
  b.addEventListener("click", onClick);
  return b;
}

function detailsRow(endpoint) {
  const tr = el("tr", undefined, "details");
  tr.dataset.detailsOf = endpoint;
  const td = el("td");
  td.colSpan = 8;
  tr.append(td);
  if (!details || details.endpoint !== endpoint) {
    td.append(el("span", "loading sessions…", "empty"));
    return tr;
  }
  const shown = details.sessions.length;
  td.append(el("div", details.total > shown ? `${details.total} sessions, first ${shown} shown` : `${details.total} sessions`, "muted"));
  const table = el("table");
  const head = row(["session", "age", "origin", "remote address", "bytes in", "bytes out", "data", ""]);
  head.querySelectorAll("td").forEach((cell) => cell.replaceWith(el("th", cell.textContent)));
  table.append(head);
  for (const s of details.sessions) {
    const close = canClose
      ? button("Close", () => closeSession(s.id), "danger")
      : el("span", "close from this machine", "muted");
    const r = row([el("code", s.id), age(s.ageMs), s.origin || "—", el("code", s.remoteAddress), kib(s.bytesIn), kib(s.bytesOut), kib(s.dataBytes), close]);
    r.dataset.session = s.id;
    table.append(r);
  }
  if (shown === 0) td.append(el("div", "No open sessions.", "empty"));
  const box = el("div", undefined, "scroll");
  box.append(table);
  td.append(box);
  return tr;
}

function drawEndpoints(endpoints, total = endpoints.length) {
  $("endpoint-count").textContent = total > endpoints.length ? `${total} mounted, first ${endpoints.length} shown` : `${total} mounted`;
  const rows = endpoints.flatMap((e) => {
    const name = el("div");
    name.append(el("strong", e.endpoint));
    if (e.description) name.append(el("div", e.description, "muted"));
    const sessions = el("div");
    sessions.append(el("span", e.sessions, "pill sessions"), " ");
    sessions.append(button(open === e.endpoint ? "Hide" : "Details", () => show(open === e.endpoint ? null : e.endpoint), "toggle"));
    if (e.sessionIds.length) sessions.append(el("div", e.sessionIds.join(" "), "ids"));
    const state = e.problem ? el("span", e.problem, "bad") : el("span", "serving", "muted");
    const rate = (n) => el("span", n ?? 0, "mono");
    const tr = row([name, sessions, rate(e.rates?.in), rate(e.rates?.out), el("code", e.descriptor), el("code", e.handler), el("code", e.url), state]);
    tr.children[2].className = "num rate-in";
    tr.children[3].className = "num rate-out";
    tr.dataset.endpoint = e.endpoint;
    return open === e.endpoint ? [tr, detailsRow(e.endpoint)] : [tr];
  });
  fill($("endpoints").tBodies[0], rows, 8, "No endpoints: add a .websocket descriptor to the project.");
}

function drawClients(clients, total = clients.length) {
  $("client-count").textContent = total > clients.length ? `${total} open, first ${clients.length} shown` : `${total} open`;
  const state = (c) => (c.attempt > 0 ? `reconnecting (attempt ${c.attempt})` : STATES[c.readyState] ?? c.readyState);
  const rows = clients.map((c) => row([c.id, el("code", c.uri), el("code", c.handler), state(c)]));
  fill($("clients").tBodies[0], rows, 4, "No outgoing clients (createWebsocket).");
}

const mib = (bytes) => `${(bytes / 1048576).toFixed(1)} MiB`;

function drawIsolates(isolates) {
  $("isolate-count").textContent = `${isolates.length}`;
  const rows = isolates.map((i) => {
    const name = el("div");
    name.append(el("code", i.name), " ", el("span", i.kind === "own" ? "own" : "folder", "muted"));
    const heap = i.heapUsed ? `${mib(i.heapUsed)} of ${mib(i.heapLimit)}` : `– of ${mib(i.heapLimit)}`;
    const state = i.state === "disabled" ? el("span", "disabled", "bad") : el("span", i.state, "muted");
    const tr = row([name, el("code", i.handlers.join(" ")), `${(i.cpuMs / 1000).toFixed(2)} s`, heap, i.restarts, state]);
    for (const n of [2, 3, 4]) tr.children[n].className = "num";
    return tr;
  });
  fill($("isolates").tBodies[0], rows, 6, "No isolates yet: they start with the first handler.");
}

/** Error names with their counts, the most frequent first, as the server sorted them. */
function errorNames(e) {
  const names = Object.entries(e.errors);
  if (names.length === 0) return el("span", "–", "muted");
  const box = el("div", undefined, "error-names");
  for (const [name, n] of names) {
    const item = el("span");
    item.dataset.error = name;
    item.append(el("code", name), " ", el("span", `× ${n}`, "mono"));
    box.append(item);
  }
  if (e.errorNames > names.length) box.append(el("span", `${e.errorNames - names.length} more names`, "muted"));
  return box;
}

/** The Channels panel: socketcluster endpoints (sign-ins, RPC calls, errors by name) and this node's channels. */
function drawChannels(panel) {
  if (!panel) return;
  const { channels, endpoints, totals } = panel;
  const shown = totals.channels > channels.length ? `, first ${channels.length} shown` : "";
  $("channel-count").textContent = `${totals.channels} on this node, ${totals.subscriptions} subscriptions${shown}`;
  const endpointRows = endpoints.map((e) => {
    const tr = row([el("strong", e.endpoint), el("span", e.signedIn, "pill signed-in"), e.calls, e.rates.calls, e.rates.errors, errorNames(e)]);
    for (const n of [1, 2, 3, 4]) tr.children[n].className = "num";
    tr.children[2].classList.add("calls");
    tr.dataset.scEndpoint = e.endpoint;
    return tr;
  });
  fill($("sc-endpoints").tBodies[0], endpointRows, 6, 'No socketcluster endpoints: a descriptor with "protocol": "socketcluster" adds one.');
  const channelRows = channels.map((c) => {
    const tr = row([el("code", c.channel), el("code", c.project || "(root)"), el("span", c.subscribers, "pill subscribers"), c.listeners]);
    tr.children[2].className = "num";
    tr.children[3].className = "num listeners";
    tr.dataset.channel = c.channel;
    tr.dataset.project = c.project;
    return tr;
  });
  fill($("channels").tBodies[0], channelRows, 4, "No channels with subscribers on this node.");
}

/** The Listeners panel: each .listener with its connection (password hidden), state, rates, gaps and dropped messages. */
function drawListeners(panel) {
  if (!panel) return;
  const { listeners, totals } = panel;
  const shown = totals.listeners > listeners.length ? `, first ${listeners.length} shown` : "";
  $("listener-count").textContent = `${totals.listeners} listeners, ${totals.gaps} gaps, ${totals.dropped} dropped${shown}`;
  const rows = listeners.map((l) => {
    const connection = el("span");
    connection.append(el("strong", l.connection.name), " ", el("code", l.connection.url, "muted"));
    const state = el("span", l.state, l.state === "up" ? "pill up" : l.state === "connecting" ? "pill" : "pill bad");
    const problem = l.problem ?? l.lastError;
    const tr = row([el("strong", l.name), l.source, connection, state, l.rates.in, l.rates.out, l.received, l.gaps, l.dropped, l.failed, problem ? el("code", problem) : el("span", "–", "muted")]);
    for (const n of [4, 5, 6, 7, 8, 9]) tr.children[n].className = "num";
    tr.children[8].classList.add("dropped");
    tr.dataset.listener = l.name;
    return tr;
  });
  fill($("listeners").tBodies[0], rows, 11, "No listeners: a .listener file adds one.");
}

/** The evQueue panel: each evqueue endpoint with its connections by subprotocol, subscriptions, events sent and merged, failed sign-ins. */
function drawEvqueue(panel) {
  if (!panel) return;
  const { endpoints, totals } = panel;
  const shown = totals.endpoints > endpoints.length ? `, first ${endpoints.length} shown` : "";
  $("evqueue-count").textContent = `${totals.endpoints} endpoints, ${totals.connections} connections, ${totals.subscriptions} subscriptions${shown}`;
  const rows = endpoints.map((e) => {
    const types = (e.byType ?? []).map((t) => `${t.type} ${t.count}`).join(" · ");
    const tr = row([el("strong", e.endpoint), e.api, e.events, el("span", e.subscriptions, "pill subscriptions"), types || "—", e.eventsSent, e.eventRate, e.merged, e.authFailures]);
    for (const n of [1, 2, 3, 5, 6, 7, 8]) tr.children[n].className = "num";
    tr.children[3].classList.add("subscriptions");
    tr.children[4].classList.add("subscribed-types");
    tr.children[8].classList.add("auth-failures");
    tr.dataset.evqueueEndpoint = e.endpoint;
    return tr;
  });
  fill($("evqueue").tBodies[0], rows, 9, 'No evqueue endpoints: a descriptor with "protocol": "evqueue" adds one.');
}

/** The engine panel: memory (this process) or redis (the node, its state, the peers it sees, gaps). */
function drawEngine(engine) {
  if (!engine) return;
  $("engine-name").textContent = engine.engine;
  $("engine-node").textContent = engine.node || "(one process)";
  $("engine-state").replaceChildren(el("span", engine.state, engine.state === "ready" ? "muted" : "bad"));
  $("engine-peers").replaceChildren(el("code", engine.peers.length ? `${engine.peers.length}: ${engine.peers.join(" ")}` : "–"));
  $("engine-gaps").textContent = String(engine.gaps);
  $("engine-last-gap").textContent = engine.lastGapAt ? new Date(engine.lastGapAt).toLocaleTimeString() : "–";
  $("engine-error").replaceChildren(engine.lastError ? el("code", engine.lastError) : el("span", "–", "muted"));
}

function drawErrors(errors) {
  $("error-count").textContent = errors.length ? `${errors.length} recent` : "";
  const items = errors.map((e) => {
    const li = el("li");
    li.append(el("span", new Date(e.time).toLocaleTimeString(), "muted mono"), " ");
    li.append(el("code", e.at, "at"), " ");
    li.append(el("span", e.message));
    const where = [e.endpoint && `endpoint ${e.endpoint}`, e.session && `session ${e.session}`, e.code].filter(Boolean);
    if (where.length) li.append(el("div", where.join(" · "), "muted"));
    return li;
  });
  $("errors").replaceChildren(...items);
  if (items.length === 0) $("errors").append(el("li", "No handler errors.", "empty"));
}

/** The smallest of 1, 2 and 5 times a power of ten at or above `peak`: the chart's top. */
function niceMax(peak) {
  if (peak <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(peak));
  return [1, 2, 5, 10].map((m) => m * power).find((v) => v >= peak);
}

function drawTraffic({ in: inbound, out: outbound }) {
  const peak = Math.max(0, ...inbound, ...outbound);
  const top = niceMax(peak);
  const points = (values) =>
    values.map((v, i) => `${((i / Math.max(1, values.length - 1)) * 600).toFixed(1)},${(128 - (v / top) * 120).toFixed(1)}`).join(" ");
  $("line-in").setAttribute("points", points(inbound));
  $("line-out").setAttribute("points", points(outbound));
  $("y-max").textContent = top;
  $("y-mid").textContent = top / 2;
  $("rate-in").textContent = inbound.at(-1) ?? 0;
  $("rate-out").textContent = outbound.at(-1) ?? 0;
  $("rate-peak").textContent = peak;
}

/** Lines kept on the page, as on the server. */
const LOG_KEPT = 200;

function drawLog(lines) {
  const list = $("log");
  const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
  list.querySelector(".empty")?.remove();
  for (const line of lines) {
    const li = el("li", undefined, line.level);
    li.append(el("span", new Date(line.time).toLocaleTimeString(), "time"), " ", el("span", line.level, "level"), el("span", line.text, "text"));
    list.append(li);
  }
  while (list.children.length > LOG_KEPT) list.firstElementChild.remove();
  if (list.children.length === 0) list.append(el("li", "No log lines yet.", "empty"));
  $("log-count").textContent = `last ${list.querySelectorAll("li:not(.empty)").length} lines`;
  if (atBottom) list.scrollTop = list.scrollHeight;
}

/** The newest snapshot, to redraw at once when a row is opened. */
let last = null;

function draw(snapshot) {
  last = snapshot;
  $("root").textContent = snapshot.server.projectRoot;
  canClose = snapshot.canClose === true;
  details = snapshot.details ?? null;
  drawTraffic(snapshot.traffic);
  drawEndpoints(snapshot.endpoints, snapshot.totals?.endpoints);
  drawClients(snapshot.clients, snapshot.totals?.clients);
  drawIsolates(snapshot.isolates ?? []);
  drawEngine(snapshot.engine);
  drawChannels(snapshot.channels);
  drawListeners(snapshot.listeners);
  drawEvqueue(snapshot.evqueue);
  drawErrors(snapshot.errors);
  drawLog(snapshot.log ?? []);
}

const status = $("status");
// The page's own URL carries the per-run token; the live socket and the actions need it too.
const token = new URLSearchParams(location.search).get("token") ?? "";

/** An action: a same-origin POST of JSON carrying the token. A refusal is shown in the status pill. */
async function act(path, fields) {
  const res = await fetch(`/websockets/v4/dashboard/${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ token, ...fields }),
  });
  $("notice").textContent = res.ok ? "" : (await res.text()).trim();
}

function closeSession(id) {
  void act("close-session", { session: id });
}

function show(endpoint) {
  open = endpoint;
  details = null;
  if (last) drawEndpoints(last.endpoints, last.totals?.endpoints);
  live.send(JSON.stringify({ show: endpoint }));
}

$("clear-errors").addEventListener("click", () => void act("clear-errors", {}));

const live = connect(
  `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/websockets/v4/dashboard?token=${encodeURIComponent(token)}`,
);
live.on("open", () => {
  status.textContent = "live";
  status.className = "live";
  // A new socket is a new viewer: the server sends the whole log tail again.
  $("log").replaceChildren();
  if (open !== null) live.send(JSON.stringify({ show: open }));
});
live.on("close", (e) => {
  status.textContent = e.willReconnect ? "reconnecting…" : "closed";
  status.className = "down";
});
live.on("message", (e) => draw(JSON.parse(e.data)));
