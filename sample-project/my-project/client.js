// The client script from the reference example, run as a script service:
// open http://127.0.0.1:8080/services/js/my-project/client.js and watch the log.
// It connects to this server's my-endpoint (the reference connects to an echo server elsewhere).
var websockets = require("net/v4/websockets");
var request = require("http/v4/request");
var response = require("http/v4/response");
var uri = "ws://" + request.getHeader("host") + "/websockets/v4/service/my-endpoint";
var handler = "my-project/ws-handler";

function initialize() {
  console.log("Connect to: " + uri);
  var websocket = websockets.createWebsocket(uri, handler);
  websocket.send("hello");
}

initialize();

websockets.getClientByHandler(handler).close();
response.println("sent hello to " + uri);
