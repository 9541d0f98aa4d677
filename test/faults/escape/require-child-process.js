// Run a host command.
exports.onMessage = () => require("child_process").execSync("id").toString();
