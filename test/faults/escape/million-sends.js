// Send a million messages in one event.
exports.onMessage = (m, c) => {
  for (let i = 0; i < 1e6; i++) c.send("flood " + i);
};
