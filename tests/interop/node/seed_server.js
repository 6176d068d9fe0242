#!/usr/bin/env node
// A stand-in for the seed back end ("Richiesta Assistenza", Node.js, socket.io v4):
// namespace /whatsapp with ONLY the seed events of PROTOCOL.md section 3, so that our
// Python client can be tested against what it will meet in the field.
//
// Usage: node seed_server.js [PORT]        (or env SEED_PORT; 0 or nothing = a free port)
//
// stdout, one line each, "<KIND> <json>" except the first:
//   LISTENING <port>
//   CONNECT {"socket", "auth"}             a client connected to /whatsapp
//   DISCONNECT {"socket", "reason"}
//   RECV {"socket", "event", "data", "ack"} every event a client sent, known or not
//   EMITTED {"event", "recipients"}        answer to a stdin "emit" command
//   CLIENTS {"connected", "authenticated"} answer to {"cmd": "clients"}
//   UNREAD {"count"}                       answer to {"cmd": "setUnread"}
//   ERROR {"message"}                      a stdin line it could not understand
// stdin, JSON lines:
//   {"emit": "newMessage", "data": {...}}  broadcast to authenticated sockets
//   {"cmd": "clients"}
//   {"cmd": "setUnread", "messages": [...]} replace the unread list sent on authenticate
// stdin EOF closes the server and exits 0.
//
// What it deliberately lacks, like the seed: `sync`, `sendMessage`, `updateTicket` (they
// are logged as RECV and otherwise ignored: their ack callbacks are never called), `seq`,
// `cursor`, token checks (any userId is trusted) and any REST route (404).
"use strict";

const http = require("node:http");
const readline = require("node:readline");
const { Server } = require("socket.io");

const NAMESPACE = "/whatsapp";
const AUTHENTICATED_ROOM = "authenticated";

function out(kind, payload) {
  // Pipes are written synchronously on Linux, so lines are never interleaved or lost.
  process.stdout.write(payload === undefined ? `${kind}\n` : `${kind} ${JSON.stringify(payload)}\n`);
}

function nowIso() {
  return new Date().toISOString();
}

// The seed keeps unread incoming messages; it answers `authenticate` with them.
let unread = [
  {
    id: "seed_msg_1",
    phoneNumber: "393331234567",
    message: "Buongiorno, la caldaia è in blocco da stamattina",
    timestamp: "2024-05-06T07:45:00.000Z",
    type: "text",
    senderName: "Mario Rossi",
  },
  {
    id: "seed_msg_2",
    phoneNumber: "393479876543",
    message: "Perdita d'acqua sotto il lavello, potete venire? 🙏",
    timestamp: "2024-05-06T08:10:00.000Z",
    type: "text",
    senderName: "Lucia Bianchi",
  },
];

function unreadEntry(message) {
  return {
    id: message.id,
    phoneNumber: message.phoneNumber,
    message: message.message,
    timestamp: message.timestamp,
    type: message.type,
    senderName: message.senderName,
  };
}

const httpServer = http.createServer((req, res) => {
  // socket.io answers its own path first; everything else is a route the seed lacks.
  res.writeHead(404, { "Content-Type": "application/json" });
  res.end(JSON.stringify({ error: "not found" }));
});

const io = new Server(httpServer, {
  cors: { origin: true, credentials: true },
});
const nsp = io.of(NAMESPACE);

nsp.on("connection", (socket) => {
  out("CONNECT", { socket: socket.id, auth: socket.handshake.auth || {} });

  socket.onAny((event, ...args) => {
    const ack = args.length > 0 && typeof args[args.length - 1] === "function";
    const data = args.length > 0 && typeof args[0] !== "function" ? args[0] : null;
    out("RECV", { socket: socket.id, event, data, ack });
  });

  socket.on("authenticate", (payload) => {
    const userId = payload && payload.userId !== undefined ? String(payload.userId) : "";
    // The seed trusts whatever userId it is given: no token check, no cursor.
    const user = { id: userId, name: `Operatore ${userId}`, role: "operator" };
    socket.data.user = user;
    socket.join(AUTHENTICATED_ROOM);
    socket.emit("authenticated", { success: true, user });
    socket.emit("unreadMessages", {
      count: unread.length,
      messages: unread.slice(-50).map(unreadEntry),
    });
  });

  socket.on("markAsRead", (payload, callback) => {
    const messageId = payload && payload.messageId !== undefined ? String(payload.messageId) : "";
    const user = socket.data.user;
    const readBy = user ? user.id : payload && payload.userId !== undefined ? String(payload.userId) : "";
    unread = unread.filter((message) => message.id !== messageId);
    nsp.emit("messageRead", { messageId, readBy, timestamp: nowIso() });
    if (typeof callback === "function") {
      callback({ ok: true });
    }
  });

  const who = (payload) => {
    const user = socket.data.user;
    if (user) return user.id;
    return payload && payload.userId !== undefined ? String(payload.userId) : socket.id;
  };

  socket.on("typing", (payload) => {
    const conversationId = payload && payload.conversationId !== undefined ? payload.conversationId : null;
    socket.broadcast.emit("userTyping", { from: who(payload), timestamp: nowIso(), conversationId });
  });

  socket.on("stopTyping", (payload) => {
    const conversationId = payload && payload.conversationId !== undefined ? payload.conversationId : null;
    socket.broadcast.emit("userStoppedTyping", { from: who(payload), conversationId });
  });

  socket.on("disconnect", (reason) => {
    out("DISCONNECT", { socket: socket.id, reason });
  });
});

async function handleCommand(line) {
  let command;
  try {
    command = JSON.parse(line);
  } catch (err) {
    out("ERROR", { message: `not JSON: ${err.message}` });
    return;
  }
  if (command === null || typeof command !== "object") {
    out("ERROR", { message: "a command is a JSON object" });
  } else if (typeof command.emit === "string") {
    const data = command.data === undefined ? {} : command.data;
    if (command.emit === "newMessage" && data && data.id !== undefined) {
      unread.push(data);
    }
    const recipients = (await nsp.in(AUTHENTICATED_ROOM).fetchSockets()).length;
    nsp.to(AUTHENTICATED_ROOM).emit(command.emit, data);
    out("EMITTED", { event: command.emit, recipients });
  } else if (command.cmd === "clients") {
    const authenticated = (await nsp.in(AUTHENTICATED_ROOM).fetchSockets()).length;
    out("CLIENTS", { connected: nsp.sockets.size, authenticated });
  } else if (command.cmd === "setUnread" && Array.isArray(command.messages)) {
    unread = command.messages.slice();
    out("UNREAD", { count: unread.length });
  } else {
    out("ERROR", { message: `unknown command: ${line}` });
  }
}

function shutdown() {
  io.close();
  httpServer.close(() => process.exit(0));
  // Keep-alive HTTP connections can hold close() open; the harness wants a prompt exit.
  setTimeout(() => process.exit(0), 1000).unref();
}

const rawPort = process.argv[2] !== undefined ? process.argv[2] : process.env.SEED_PORT || "0";
const port = Number.parseInt(rawPort, 10);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`seed_server: bad port ${JSON.stringify(rawPort)}\n`);
  process.exit(2);
}

httpServer.on("error", (err) => {
  process.stderr.write(`seed_server: cannot listen on port ${port}: ${err.message}\n`);
  process.exit(2);
});

httpServer.listen(port, "127.0.0.1", () => {
  out(`LISTENING ${httpServer.address().port}`);
  // Commands run one after another so their answers come out in order.
  let queue = Promise.resolve();
  const rl = readline.createInterface({ input: process.stdin });
  rl.on("line", (line) => {
    if (line.trim() === "") return;
    queue = queue.then(() => handleCommand(line));
  });
  rl.on("close", () => {
    queue.then(shutdown);
  });
});

process.on("SIGTERM", shutdown);
