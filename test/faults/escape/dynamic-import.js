// Load a host module with import(); the reply is a Promise that should reject.
exports.onMessage = () => import("node:fs").then((fs) => fs.readFileSync("/etc/hostname", "utf8"));
