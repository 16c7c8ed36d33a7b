// A Socket.IO chat server, the kind Open WebUI runs: it authenticates from the CONNECT packet's auth
// payload (reading the user from the token without verifying it, since the gateway did) and relays
// DMs and chat. Prints {"port": N} once listening, then one JSON line per event it receives.
"use strict";
const http = require("http");
const { Server } = require("socket.io");

function userOf(token) {
  try {
    const payload = JSON.parse(Buffer.from(String(token).split(".")[1], "base64url").toString("utf8"));
    return payload.sub || payload.id || null;
  } catch (e) {
    return null;
  }
}

const out = (o) => process.stdout.write(JSON.stringify(o) + "\n");
const httpServer = http.createServer();
const io = new Server(httpServer, { transports: ["websocket"] });

io.use((socket, next) => {
  const user = userOf(socket.handshake.auth && socket.handshake.auth.token);
  if (!user) {
    return next(new Error("no user"));
  }
  socket.data.user = user;
  next();
});

io.on("connection", (socket) => {
  const user = socket.data.user;
  socket.join("user:" + user);
  out({ ev: "connection", user });
  socket.emit("welcome", { user });
  socket.onAny((event, ...args) => {
    const plain = args.filter((a) => typeof a !== "function");
    out({ ev: "received", user, event, args: plain });
  });
  socket.on("dm", (msg, ack) => {
    io.to("user:" + msg.to).emit("dm", { from: user, text: msg.text });
    if (typeof ack === "function") ack({ ok: true });
  });
  socket.on("chat", (msg, ack) => {
    io.emit("chat", { from: user, text: msg.text });
    if (typeof ack === "function") ack({ ok: true });
  });
  socket.on("echo", (msg, ack) => {
    socket.emit("echo", msg);
    if (typeof ack === "function") ack(msg);
  });
  socket.on("disconnect", (reason) => out({ ev: "disconnect", user, reason }));
});

httpServer.listen(0, "127.0.0.1", () => out({ port: httpServer.address().port }));
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
