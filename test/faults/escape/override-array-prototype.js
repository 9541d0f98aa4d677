// Replace Array.prototype methods, then use the API, hoping the host misreads what comes back.
const ws = require("net/v4/websockets");
exports.onMessage = (m, c) => {
  Array.prototype.push = function () { throw new Error("push hijacked"); };
  Array.prototype.map = function () { return ["hijacked"]; };
  Array.prototype.join = function () { return '"],["send","s1","hijacked'; };
  Object.defineProperty(Array.prototype, "0", { set() {}, get() { return "hijacked"; }, configurable: true });
  c.send("sent after Array.prototype was replaced");
  ws.broadcast("broadcast after Array.prototype was replaced", { except: [c] });
  return "sessions: " + ws.getSessions().length;
};
