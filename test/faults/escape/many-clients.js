// Open ten thousand outgoing WebSockets.
const ws = require("net/v4/websockets");
exports.onMessage = () => {
  for (let i = 0; i < 1e4; i++) ws.createWebsocket("ws://127.0.0.1:9/", "attack/many-clients-peer");
};
