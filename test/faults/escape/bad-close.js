// Close with reserved codes and an over-long reason.
exports.onMessage = (m, c) => {
  try { c.close(1006, "reserved"); } catch (e) { c.send("refused: " + e.message); }
  c.close(4000, "r".repeat(500));
};
