// Return an object whose then getter throws, hoping the reply path breaks.
exports.onMessage = () => ({ get then() { throw new Error("then getter ran"); } });
