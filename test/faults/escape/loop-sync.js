// Spin forever in onMessage.
exports.onMessage = () => { for (;;) {} };
