// Recurse until the stack runs out.
function down(n) { return down(n + 1) + 1; }
exports.onMessage = () => down(0);
