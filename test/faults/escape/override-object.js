// Break Object, Reflect and Function.prototype.apply before calling the API.
const ws = require("net/v4/websockets");
exports.onMessage = (m, c) => {
  Object.freeze = (o) => o;
  Object.defineProperty = () => { throw new Error("defineProperty hijacked"); };
  Reflect.apply = () => { throw new Error("apply hijacked"); };
  Function.prototype.apply = function () { throw new Error("apply hijacked"); };
  Function.prototype.call = function () { throw new Error("call hijacked"); };
  c.send("sent after Object and Reflect were replaced");
  return "method: " + ws.getMethod();
};
