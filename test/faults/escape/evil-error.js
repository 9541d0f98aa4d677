// Throw an error whose name, message and stack getters throw.
exports.onMessage = () => {
  throw { get name() { throw new Error("name"); }, get message() { throw new Error("message"); }, get stack() { throw new Error("stack"); } };
};
