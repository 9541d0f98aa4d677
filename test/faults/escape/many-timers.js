// Start a hundred thousand timers.
exports.onMessage = () => {
  for (let i = 0; i < 1e5; i++) setTimeout(() => {}, 60000);
};
