// The handler from the reference example: logs every event of its connections.
exports.onOpen = function () {
  console.log("Connection opened.");
};

exports.onMessage = function (message) {
  console.log("Message received: " + message);
};

exports.onError = function (error) {
  console.error("Error: " + error);
};

exports.onClose = function () {
  console.warn("Connection closed.");
};
