// Socket.IO clients driven over stdin/stdout, one JSON object per line.
// In:  {"id":"a","cmd":"connect","url":"http://127.0.0.1:8080","token":"..."}
//      {"id":"a","cmd":"emit","event":"dm","args":[{"to":"b","text":"hi"}],"ack":true}
//      {"id":"a","cmd":"reconnect"}   {"id":"a","cmd":"close"}
// Out: {"id":"a","ev":"connect"} {"id":"a","ev":"connect_error","message":...,"data":...}
//      {"id":"a","ev":"disconnect","reason":...,"code":4008,"closeReason":"..."}
//      {"id":"a","ev":"event","event":"dm","args":[...]} {"id":"a","ev":"ack","seq":1,"args":[...]}
"use strict";
const readline = require("readline");
const { io } = require("socket.io-client");

const sockets = new Map();
const out = (o) => process.stdout.write(JSON.stringify({ ...o, t: Date.now() }) + "\n");
let seq = 0;

function connect(id, url, token) {
  const socket = io(url, {
    transports: ["websocket"],
    auth: token === undefined ? {} : { token },
    reconnection: false,
    forceNew: true,
    timeout: 10000,
  });
  sockets.set(id, socket);
  socket.on("connect", () => out({ id, ev: "connect" }));
  socket.on("connect_error", (err) => out({ id, ev: "connect_error", message: err.message, data: err.data || null }));
  socket.on("disconnect", (reason, details) => {
    const ctx = details && details.context;
    out({ id, ev: "disconnect", reason, code: ctx && ctx.code, closeReason: ctx && ctx.reason ? String(ctx.reason) : null });
  });
  socket.onAny((event, ...args) => out({ id, ev: "event", event, args }));
}

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  let m;
  try {
    m = JSON.parse(line);
  } catch (e) {
    return out({ ev: "bad_command", line });
  }
  const s = sockets.get(m.id);
  switch (m.cmd) {
    case "connect":
      return connect(m.id, m.url, m.token);
    case "emit": {
      if (!s) return out({ id: m.id, ev: "no_socket" });
      const args = m.args || [];
      if (m.ack) {
        const n = ++seq;
        s.emit(m.event, ...args, (...reply) => out({ id: m.id, ev: "ack", seq: n, event: m.event, args: reply }));
        return out({ id: m.id, ev: "emitted", seq: n });
      }
      s.emit(m.event, ...args);
      return out({ id: m.id, ev: "emitted" });
    }
    case "reconnect":
      return s && s.connect();
    case "close":
      return s && s.disconnect();
    case "exit":
      return process.exit(0);
    default:
      return out({ ev: "bad_command", line });
  }
});
process.stdin.on("end", () => process.exit(0));
out({ ev: "ready" });
