// Hunt for the host bridge: a native function among globals or the API's internals.
exports.onMessage = () => {
  const api = require("net/v4/websockets");
  const leaks = [];
  const look = (name, value) => {
    if (typeof value === "function" && /\[native code\]/.test(Function.prototype.toString.call(value)) && !(name in Object.getPrototypeOf(globalThis))) {
      if (!["Object", "Function", "Array", "Number", "parseFloat", "parseInt", "Boolean", "String", "Symbol", "Date", "Promise", "RegExp", "Error", "AggregateError", "EvalError", "RangeError", "ReferenceError", "SyntaxError", "TypeError", "URIError", "ArrayBuffer", "Uint8Array", "Int8Array", "Uint16Array", "Int16Array", "Uint32Array", "Int32Array", "Float32Array", "Float64Array", "Uint8ClampedArray", "BigUint64Array", "BigInt64Array", "DataView", "Map", "BigInt", "Set", "WeakMap", "WeakSet", "Proxy", "Reflect", "FinalizationRegistry", "WeakRef", "decodeURI", "decodeURIComponent", "encodeURI", "encodeURIComponent", "escape", "unescape", "eval", "isFinite", "isNaN", "SharedArrayBuffer", "Atomics", "Iterator", "Float16Array", "WebAssembly", "JSON", "Math", "Intl", "console", "globalThis", "DisposableStack", "AsyncDisposableStack", "SuppressedError"].includes(name)) leaks.push(name);
    }
  };
  for (const name of Object.getOwnPropertyNames(globalThis)) look(name, globalThis[name]);
  for (const name of Object.keys(api)) look("api." + name, api[name]);
  return "native: " + (leaks.join(",") || "none");
};
