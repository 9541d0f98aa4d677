// Pass objects with throwing getters and toString as messages.
exports.onMessage = (m, c) => {
  const evil = { get byteLength() { throw new Error("getter ran"); }, toString() { throw new Error("toString ran"); } };
  c.send(evil);
};
