// Read a host file through Node's fs module.
exports.onMessage = () => require("fs").readFileSync("/etc/passwd", "utf8");
