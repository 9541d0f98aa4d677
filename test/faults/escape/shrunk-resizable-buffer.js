// Send and return typed arrays over a resizable ArrayBuffer that shrank under them.
exports.onMessage = (m, c) => {
  const buffer = new ArrayBuffer(1024, { maxByteLength: 4096 });
  const view = new Uint8Array(buffer, 512, 256);
  buffer.resize(0);
  c.send(view);
  return view;
};
