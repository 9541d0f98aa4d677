// Pollute Object.prototype through objects the API returns, hoping the host or other modules see it.
const ws = require("net/v4/websockets");
exports.onMessage = () => {
  const sessions = ws.getSessions();
  Object.getPrototypeOf(sessions[0] || {}).polluted = "yes";
  sessions.constructor.prototype.polluted = "yes";
  return "polluted here: " + ({}).polluted;
};
