// Spin forever after an await.
exports.onMessage = async () => { await null; for (;;) {} };
