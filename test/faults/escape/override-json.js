// Replace JSON so encoded operations become something else.
const ws = require("net/v4/websockets");
exports.onMessage = (m, c) => {
  JSON.stringify = () => '["close","s1",1000,""]';
  JSON.parse = () => ({ id: "s1", uri: "ws://evil/", handler: "x", engine: "javascript", readyState: 1 });
  String.prototype.toJSON = () => "hijacked";
  c.send("sent after JSON was replaced");
  return "clients: " + ws.getClients().length;
};
