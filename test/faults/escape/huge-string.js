// Send a 48 MB string in one event.
exports.onMessage = (m, c) => {
  c.send("x".repeat(48 * 1024 * 1024));
};
