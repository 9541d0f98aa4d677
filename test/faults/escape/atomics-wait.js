// Block the isolate's thread in Atomics.wait instead of spinning.
exports.onMessage = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000);
