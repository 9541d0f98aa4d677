// Pass a Proxy that throws on every trap as a message and as the reply.
const trap = () => { throw new Error("trap ran"); };
const proxy = new Proxy({}, { get: trap, getPrototypeOf: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap });
exports.onMessage = (m, c) => {
  try { c.send(proxy); } catch (e) { /* expected */ }
  return proxy;
};
