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

function drawEndpoints(endpoints, total = endpoints.length) {
  $("endpoint-count").textContent = total > endpoints.length ? `${total} mounted, first ${endpoints.length} shown` : `${total} mounted`;
  const rows = endpoints.map((e) => {
    const name = el("div");
    name.append(el("strong", e.endpoint));
    if (e.description) name.append(el("div", e.description, "muted"));
    const sessions = el("div");
    sessions.append(el("span", e.sessions, "pill sessions"));
    if (e.sessionIds.length) sessions.append(el("div", e.sessionIds.join(" "), "ids"));
    const state = e.problem ? el("span", e.problem, "bad") : el("span", "serving", "muted");
    const tr = row([name, sessions, el("code", e.descriptor), el("code", e.handler), el("code", e.url), state]);
    tr.dataset.endpoint = e.endpoint;
    return tr;
  });
  fill($("endpoints").tBodies[0], rows, 6, "No endpoints: add a .websocket descriptor to the project.");
}

function drawClients(clients, total = clients.length) {
  $("client-count").textContent = total > clients.length ? `${total} open, first ${clients.length} shown` : `${total} open`;
  const state = (c) => (c.attempt > 0 ? `reconnecting (attempt ${c.attempt})` : STATES[c.readyState] ?? c.readyState);
  const rows = clients.map((c) => row([c.id, el("code", c.uri), el("code", c.handler), state(c)]));
  fill($("clients").tBodies[0], rows, 4, "No outgoing clients (createWebsocket).");
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

function drawTraffic({ in: inbound, out: outbound }) {
  const peak = Math.max(1, ...inbound, ...outbound);
  const points = (values) =>
    values.map((v, i) => `${((i / Math.max(1, values.length - 1)) * 600).toFixed(1)},${(128 - (v / peak) * 120).toFixed(1)}`).join(" ");
  $("line-in").setAttribute("points", points(inbound));
  $("line-out").setAttribute("points", points(outbound));
  $("rate-in").textContent = inbound.at(-1) ?? 0;
  $("rate-out").textContent = outbound.at(-1) ?? 0;
  $("rate-peak").textContent = Math.max(0, ...inbound, ...outbound);
}

function draw(snapshot) {
  $("root").textContent = snapshot.server.projectRoot;
  drawTraffic(snapshot.traffic);
  drawEndpoints(snapshot.endpoints, snapshot.totals?.endpoints);
  drawClients(snapshot.clients, snapshot.totals?.clients);
  drawErrors(snapshot.errors);
}

const status = $("status");
// The page's own URL carries the per-run token; the live socket needs it too.
const token = new URLSearchParams(location.search).get("token") ?? "";
const live = connect(
  `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/websockets/v4/dashboard?token=${encodeURIComponent(token)}`,
);
live.on("open", () => {
  status.textContent = "live";
  status.className = "live";
});
live.on("close", (e) => {
  status.textContent = e.willReconnect ? "reconnecting…" : "closed";
  status.className = "down";
});
live.on("message", (e) => draw(JSON.parse(e.data)));
