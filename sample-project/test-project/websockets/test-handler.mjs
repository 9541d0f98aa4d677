// A handler as Dirigible 7+ writes one: ES module hooks, onMessage(message, from).
// Pages reach it over SockJS + STOMP (public/dirigible/test.html) as well as plain WebSockets.
export function onOpen() {
  console.log("Connection opened.");
}

export function onMessage(message, from) {
  console.log("Message received: " + message + ", from: " + from);
  return "Hello from WebSocket! [" + message + "]";
}

export function onError(error) {
  console.error("Error: " + error);
}

export function onClose() {
  console.warn("Connection closed.");
}
