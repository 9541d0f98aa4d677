// Spin forever in a timer callback.
exports.onMessage = () => { setTimeout(() => { for (;;) {} }, 0); return "timer set"; };
