// Echo: whatever a connection sends comes back. Returning a string from
// onMessage sends it to that connection.
const websockets = require("net/v4/websockets");

exports.onOpen = function (connection) {
  connection.send("connected to " + connection.endpoint + " as " + connection.id);
};

exports.onMessage = function (message) {
  if (typeof message !== "string") return message; // binary frames echo as binary
  return "echo: " + websockets.getMessage();
};
