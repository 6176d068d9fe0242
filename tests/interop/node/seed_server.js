#!/usr/bin/env node
// A stand-in for the seed back end ("Richiesta Assistenza", Node.js, socket.io v4), as strict
// as its code: ../../../../shared/SEED_BACKEND.md says what that code does, and this file
// follows these files of the public repository 241luca/Richiesta-Assistenza (as read, at
// the commit in brackets):
//   backend/src/services/whatsapp-realtime.service.ts [595a55e7]  the /whatsapp namespace
//   backend/src/routes/auth.routes.ts [595a55e7]           POST /api/auth/login, /logout
//   backend/src/utils/responseFormatter.ts [984039aa]      {success, message, data, ...} shapes
//   backend/src/middleware/auth.ts, validation.ts [595a55e7]  Bearer checks, 400 on a bad body
//   backend/src/routes/whatsapp.routes.ts [300701f2]       GET /api/whatsapp/messages (that
//        version pages by `page`; SEED_BACKEND.md says its web front end sends `offset`:
//        both are read here)
// A test double kinder than the real peer hides real bugs, so nothing here is kinder: no
// acks, no `user` or `cursor` in `authenticated`, WPPConnect's type words (`chat`), typing
// only to the room `user:<to>`, newMessage only to ADMIN/SUPER_ADMIN rooms.
//
// Where this file departs from the seed, and why:
// - The database is in memory (the users and messages below), and the WhatsApp provider is
//   the stdin command "incoming" (what handleIncomingMessage gets from WPPConnect).
// - A handler the seed would crash in (typing/stopTyping with no payload: destructuring
//   undefined, thrown in a nextTick) logs HANDLER_ERROR and answers nothing.
// - POST /api/whatsapp/send answers 503 "provider not configured", as SEED_BACKEND.md says of
//   the seed's current version; its error code there is not documented: PROVIDER_NOT_CONFIGURED.
// - Unknown routes answer Express's default 404 (text, no JSON error code).
//
// Usage: node seed_server.js [PORT]        (or env SEED_PORT; 0 or nothing = a free port)
//
// stdout, one line each, "<KIND> <json>" except the first:
//   LISTENING <port>
//   CONNECT {"socket", "auth"}             a client connected to /whatsapp
//   DISCONNECT {"socket", "reason"}
//   RECV {"socket", "event", "data", "ack"} every event a client sent, known or not
//   HANDLER_ERROR {"event", "message"}     where the seed's handler would have thrown
//   INCOMING {"id", "recipients", "everyone"} answer to "incoming": newMessage and
//                                          messageUpdate sockets reached
//   STATUS {"recipients"}                  answer to "status"
//   CLIENTS {"connected", "rooms"}         answer to {"cmd": "clients"}
//   UNREAD {"count"}                       answer to "setUnread"
//   USER {"id"}                            answer to "addUser"
//   ERROR {"message"}                      a stdin line it could not understand
// stdin, JSON lines:
//   {"cmd": "incoming", "message": {WPPConnect Message}}   a customer wrote (id, from, body,
//        type, notifyName, sender.pushname, caption, isMedia, isGroupMsg, timestamp in s...)
//   {"cmd": "status", "messageId": "...", "status": "..."}  notifyMessageStatus
//   {"cmd": "setUnread", "messages": [rows]}  replace the stored messages (row fields below)
//   {"cmd": "addUser", "user": {id, email, password, role, twoFactorCode?, lockedUntil?}}
//   {"cmd": "clients"}
// stdin EOF closes the server and exits 0.
"use strict";

const crypto = require("node:crypto");
const http = require("node:http");
const readline = require("node:readline");
const { Server } = require("socket.io");

const NAMESPACE = "/whatsapp";
const JWT_SECRET = crypto.randomBytes(32);
const SEVEN_DAYS_MS = 7 * 24 * 3600 * 1000;

function out(kind, payload) {
  // Pipes are written synchronously on Linux, so lines are never interleaved or lost.
  process.stdout.write(payload === undefined ? `${kind}\n` : `${kind} ${JSON.stringify(payload)}\n`);
}

// ---- the "database" -------------------------------------------------------------------------

// prisma.user: the seed's operators. Passwords in clear: there is no bcrypt here, and no need.
const users = new Map();
function addUser(user) {
  users.set(String(user.email), {
    id: String(user.id),
    email: String(user.email),
    username: user.username || String(user.email).split("@")[0],
    password: String(user.password),
    firstName: user.firstName || "",
    lastName: user.lastName || "",
    fullName: user.fullName || `${user.firstName || ""} ${user.lastName || ""}`.trim(),
    phone: user.phone || null,
    role: user.role || "ADMIN",
    twoFactorCode: user.twoFactorCode || null, // stands for speakeasy's TOTP check
    lockedUntil: user.lockedUntil ? new Date(user.lockedUntil) : null,
    loginAttempts: 0,
    createdAt: new Date("2024-01-15T08:00:00.000Z"),
    updatedAt: new Date("2024-01-15T08:00:00.000Z"),
    lastLoginAt: null,
  });
}
addUser({ id: "7", email: "giulia@assistenza.example", password: "giulia-pass", role: "ADMIN",
          firstName: "Giulia", lastName: "Verdi" });
addUser({ id: "12", email: "marco@assistenza.example", password: "marco-pass", role: "SUPER_ADMIN",
          firstName: "Marco", lastName: "Neri" });
addUser({ id: "21", email: "luca@assistenza.example", password: "luca-pass", role: "PROFESSIONAL",
          firstName: "Luca", lastName: "Gialli" });
addUser({ id: "30", email: "sara@assistenza.example", password: "sara-pass", role: "ADMIN",
          firstName: "Sara", lastName: "Blu", twoFactorCode: "246810" });
addUser({ id: "40", email: "bloccato@assistenza.example", password: "bloccato-pass", role: "ADMIN",
          firstName: "Utente", lastName: "Bloccato", lockedUntil: "2999-01-01T00:00:00.000Z" });

function userById(id) {
  for (const user of users.values()) if (user.id === String(id)) return user;
  return null;
}

// prisma.whatsAppMessage rows.
let rowCounter = 0;
function newRowId() {
  rowCounter += 1;
  return `cm${Date.now().toString(36)}${String(rowCounter).padStart(4, "0")}`;
}
function row(fields) {
  const now = new Date();
  return {
    id: fields.id || newRowId(),
    messageId: fields.messageId || `false_${fields.phoneNumber}@c.us_${crypto.randomBytes(6).toString("hex").toUpperCase()}`,
    phoneNumber: fields.phoneNumber,
    message: fields.message || "",
    direction: fields.direction || "incoming",
    status: fields.status || "RECEIVED",
    senderName: fields.senderName === undefined ? fields.phoneNumber : fields.senderName,
    timestamp: new Date(fields.timestamp || now),
    from: fields.from || `${fields.phoneNumber}@c.us`,
    type: fields.type || "chat",
    isGroupMsg: Boolean(fields.isGroupMsg),
    isMedia: Boolean(fields.isMedia),
    mediaUrl: fields.mediaUrl || null,
    caption: fields.caption || null,
    createdAt: new Date(fields.createdAt || now),
  };
}
let messages = [
  row({ id: "seed_msg_1", phoneNumber: "393331234567", senderName: "Mario Rossi", type: "chat",
        message: "Buongiorno, la caldaia è in blocco da stamattina", timestamp: Date.now() - 3600e3 }),
  row({ id: "seed_msg_2", phoneNumber: "393479876543", senderName: "Lucia Bianchi", type: "chat",
        message: "Perdita d'acqua sotto il lavello, potete venire? 🙏", timestamp: Date.now() - 1800e3 }),
];

// ---- ResponseFormatter and formatUser --------------------------------------------------------

function success(data, message = "Success", metadata) {
  return { success: true, message, data, metadata: metadata || null, timestamp: new Date().toISOString() };
}
function failure(message, code, details) {
  return { success: false, message, error: { code: code || "INTERNAL_ERROR", details: details || null },
           timestamp: new Date().toISOString() };
}
function iso(date) {
  return date ? new Date(date).toISOString() : null;
}
function formatUser(user) {
  return {
    id: user.id, email: user.email, username: user.username, firstName: user.firstName,
    lastName: user.lastName, fullName: user.fullName || `${user.firstName} ${user.lastName}`,
    phone: user.phone, role: user.role, avatar: undefined, bio: undefined, status: undefined,
    emailVerified: undefined, canSelfAssign: undefined,
    lastLoginAt: iso(user.lastLoginAt), createdAt: iso(user.createdAt), updatedAt: iso(user.updatedAt),
  };
}

// ---- jsonwebtoken, HS256 ---------------------------------------------------------------------

function b64url(data) {
  return Buffer.from(data).toString("base64url");
}
function signJwt(payload, expiresInSeconds) {
  const now = Math.floor(Date.now() / 1000);
  const head = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const body = b64url(JSON.stringify({ ...payload, iat: now, exp: now + expiresInSeconds }));
  const signature = crypto.createHmac("sha256", JWT_SECRET).update(`${head}.${body}`).digest("base64url");
  return `${head}.${body}.${signature}`;
}
function verifyJwt(token) {
  const parts = String(token).split(".");
  if (parts.length !== 3) return { error: "JsonWebTokenError" };
  const expected = crypto.createHmac("sha256", JWT_SECRET).update(`${parts[0]}.${parts[1]}`).digest("base64url");
  if (expected.length !== parts[2].length ||
      !crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(parts[2]))) {
    return { error: "JsonWebTokenError" };
  }
  const payload = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
  if (payload.exp && payload.exp < Date.now() / 1000) return { error: "TokenExpiredError" };
  return { payload };
}

// ---- HTTP ------------------------------------------------------------------------------------

function send(res, status, body) {
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      if (!text) return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch {
        resolve(undefined); // express.json() would answer 400 itself
      }
    });
  });
}

// zod's loginSchema: {email: string().email(), password: string(), twoFactorCode?: string()}.
function loginErrors(body) {
  const errors = [];
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return [{ field: "", message: "Expected object" }];
  }
  if (typeof body.email !== "string") errors.push({ field: "email", message: "Required" });
  else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(body.email)) errors.push({ field: "email", message: "Invalid email" });
  if (typeof body.password !== "string") errors.push({ field: "password", message: "Required" });
  if (body.twoFactorCode !== undefined && typeof body.twoFactorCode !== "string") {
    errors.push({ field: "twoFactorCode", message: "Expected string" });
  }
  return errors;
}

function login(req, res, body) {
  if (body === undefined) return send(res, 400, failure("Invalid JSON", "INVALID_JSON"));
  const errors = loginErrors(body);
  if (errors.length) {
    return send(res, 400, { error: "Validation error", message: "Invalid request body", errors });
  }
  const user = users.get(body.email); // findUnique: exact, case-sensitive
  if (!user) return send(res, 401, failure("Email or password is incorrect", "INVALID_CREDENTIALS"));
  if (user.lockedUntil && user.lockedUntil > new Date()) {
    return send(res, 423, failure("Too many failed login attempts. Please try again later.", "ACCOUNT_LOCKED"));
  }
  if (body.password !== user.password) {
    user.loginAttempts += 1;
    if (user.loginAttempts >= 5) user.lockedUntil = new Date(Date.now() + 30 * 60 * 1000);
    return send(res, 401, failure("Email or password is incorrect", "INVALID_CREDENTIALS"));
  }
  if (user.twoFactorCode) {
    if (!body.twoFactorCode) {
      return send(res, 200, success({ requiresTwoFactor: true }, "Please enter your 2FA code"));
    }
    if (body.twoFactorCode !== user.twoFactorCode) {
      return send(res, 401, failure("The 2FA code is incorrect or expired", "INVALID_2FA_CODE"));
    }
  }
  user.loginAttempts = 0;
  user.lockedUntil = null;
  user.lastLoginAt = new Date();
  const tokens = {
    accessToken: signJwt({ userId: user.id }, 7 * 24 * 3600),
    refreshToken: signJwt({ userId: user.id }, 30 * 24 * 3600),
  };
  return send(res, 200, success({ User: formatUser(user), ...tokens }, "Login successful"));
}

// middleware/auth.ts authenticate: the user, or the answer already sent.
function authenticated(req, res) {
  const header = req.headers.authorization;
  const token = header && header.startsWith("Bearer ") ? header.substring(7) : null;
  if (!token) {
    send(res, 401, failure("Authentication required - No token provided", "NO_TOKEN"));
    return null;
  }
  const { payload, error } = verifyJwt(token);
  if (error === "TokenExpiredError") {
    send(res, 401, failure("Token expired. Please login again", "TOKEN_EXPIRED"));
    return null;
  }
  if (error) {
    send(res, 401, failure("Invalid token", "INVALID_TOKEN"));
    return null;
  }
  const user = userById(payload.userId);
  if (!user) {
    send(res, 401, failure("User not found or inactive", "USER_NOT_FOUND"));
    return null;
  }
  return user;
}

function rowJson(m) {
  return { ...m, timestamp: iso(m.timestamp), createdAt: iso(m.createdAt), user: null, request: null };
}

function listMessages(req, res, url) {
  if (!authenticated(req, res)) return;
  const take = Number.parseInt(url.searchParams.get("limit") || "20", 10) || 20;
  const page = Number.parseInt(url.searchParams.get("page") || "1", 10) || 1;
  const offset = url.searchParams.get("offset");
  const skip = offset !== null ? Number.parseInt(offset, 10) || 0 : (page - 1) * take;
  const sorted = messages.slice().sort((a, b) => b.timestamp - a.timestamp);
  send(res, 200, success({
    data: sorted.slice(skip, skip + take).map(rowJson),
    pagination: { page, limit: take, total: sorted.length, pages: Math.ceil(sorted.length / take) },
  }, "Messaggi recuperati"));
}

const httpServer = http.createServer(async (req, res) => {
  const url = new URL(req.url, "http://seed.invalid");
  if (req.method === "POST" && url.pathname === "/api/auth/login") {
    return login(req, res, await readBody(req));
  }
  if (req.method === "POST" && url.pathname === "/api/auth/logout") {
    // Stateless JWTs: the seed only logs it (optionalAuth), the token stays valid.
    return send(res, 200, success(null, "Logout successful"));
  }
  if (req.method === "GET" && url.pathname === "/api/whatsapp/messages") {
    return listMessages(req, res, url);
  }
  if (req.method === "POST" && url.pathname === "/api/whatsapp/send") {
    if (!authenticated(req, res)) return;
    return send(res, 503, failure("WhatsApp provider not configured", "PROVIDER_NOT_CONFIGURED"));
  }
  // Express's finalhandler: a text page, no JSON error code.
  res.writeHead(404, { "Content-Type": "text/html; charset=utf-8" });
  res.end(`<!DOCTYPE html>\n<html lang="en">\n<body>\n<pre>Cannot ${req.method} ${url.pathname}</pre>\n</body>\n</html>\n`);
});

// ---- Socket.IO /whatsapp: whatsapp-realtime.service.ts ---------------------------------------

const io = new Server(httpServer, { cors: { origin: true, credentials: true } });
const nsp = io.of(NAMESPACE);

function unreadRows() {
  const since = Date.now() - SEVEN_DAYS_MS;
  return messages
    .filter((m) => m.direction === "incoming" && m.status !== "READ" && m.createdAt.getTime() >= since)
    .sort((a, b) => b.timestamp - a.timestamp)
    .slice(0, 50);
}

function sendUnreadMessages(socket) {
  const unread = unreadRows();
  if (unread.length > 0) {
    socket.emit("unreadMessages", {
      count: unread.length,
      messages: unread.map((m) => ({
        id: m.id, phoneNumber: m.phoneNumber, message: m.message, timestamp: m.timestamp,
        type: m.type, senderName: m.senderName,
      })),
    });
  }
}

function markMessageAsRead(messageId, userId) {
  // prisma.update throws when no row has that id (or the id is undefined): nothing is emitted.
  const found = messages.find((m) => m.id === messageId);
  if (!found) {
    out("HANDLER_ERROR", { event: "markAsRead", message: `no message ${JSON.stringify(messageId)}` });
    return;
  }
  found.status = "READ";
  nsp.emit("messageRead", { messageId, readBy: userId, timestamp: new Date() });
}

nsp.on("connection", (socket) => {
  out("CONNECT", { socket: socket.id, auth: socket.handshake.auth || {} });

  socket.onAny((event, ...args) => {
    const ack = args.length > 0 && typeof args[args.length - 1] === "function";
    const data = args.length > 0 && typeof args[0] !== "function" ? args[0] : null;
    out("RECV", { socket: socket.id, event, data: data === undefined ? null : data, ack });
  });

  socket.on("authenticate", async (data) => {
    try {
      const { userId } = data;
      if (userId) {
        socket.join(`user:${userId}`);
        sendUnreadMessages(socket);
        socket.emit("authenticated", { success: true });
      }
    } catch (error) {
      out("HANDLER_ERROR", { event: "authenticate", message: String(error && error.message) });
      socket.emit("authenticated", { success: false });
    }
  });

  socket.on("markAsRead", async (data) => {
    try {
      const { messageId, userId } = data;
      markMessageAsRead(messageId, userId);
    } catch (error) {
      out("HANDLER_ERROR", { event: "markAsRead", message: String(error && error.message) });
    }
  });

  const relay = (event, answer) => (data) => {
    let to, userId;
    try {
      ({ to, userId } = data);
    } catch (error) {
      out("HANDLER_ERROR", { event, message: String(error && error.message) });
      return;
    }
    socket.to(`user:${to}`).emit(answer, event === "typing" ? { from: userId, timestamp: new Date() } : { from: userId });
  };
  socket.on("typing", relay("typing", "userTyping"));
  socket.on("stopTyping", relay("stopTyping", "userStoppedTyping"));

  socket.on("disconnect", (reason) => {
    out("DISCONNECT", { socket: socket.id, reason });
  });
});

// handleIncomingMessage + saveCompleteMessage + notifyAdminsViaWebSocket.
async function handleIncomingMessage(message) {
  const phoneNumber = String(message.from).replace("@c.us", "").replace("@g.us", "");
  const timestamp = message.timestamp ? new Date(message.timestamp * 1000) : new Date();
  const senderName = message.notifyName || (message.sender && message.sender.pushname) || phoneNumber;
  const saved = row({
    messageId: message.id, phoneNumber, message: message.body || message.caption || "",
    direction: message.fromMe ? "outgoing" : "incoming", senderName, timestamp, from: message.from,
    type: message.type || "chat", isGroupMsg: message.isGroupMsg || false, isMedia: message.isMedia || false,
    mediaUrl: message.deprecatedMms3Url, caption: message.caption,
  });
  messages.push(saved);
  const realtime = {
    id: saved.id,
    from: message.from,
    phoneNumber,
    message: message.body || message.caption || "",
    timestamp: saved.timestamp,
    type: message.type || "chat",
    isGroup: message.isGroupMsg || false,
    senderName,
    media: message.isMedia
      ? { type: message.type || "unknown", url: message.deprecatedMms3Url, caption: message.caption }
      : undefined,
  };
  let recipients = 0;
  for (const admin of users.values()) {
    if (admin.role !== "ADMIN" && admin.role !== "SUPER_ADMIN") continue;
    recipients += (await nsp.in(`user:${admin.id}`).fetchSockets()).length;
    nsp.to(`user:${admin.id}`).emit("newMessage", {
      ...realtime,
      notification: {
        title: "📱 Nuovo messaggio WhatsApp",
        body: `Da ${realtime.senderName}: ${realtime.message.substring(0, 50)}...`,
        icon: "whatsapp",
        sound: true,
      },
    });
  }
  const everyone = nsp.sockets.size;
  nsp.emit("messageUpdate", { type: "new", message: realtime });
  return { id: saved.id, recipients, everyone };
}

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
  } else if (command.cmd === "incoming" && command.message && command.message.from) {
    out("INCOMING", await handleIncomingMessage(command.message));
  } else if (command.cmd === "status" && command.messageId !== undefined) {
    const recipients = nsp.sockets.size;
    nsp.emit("messageStatusUpdate", { messageId: command.messageId, status: command.status, timestamp: new Date() });
    out("STATUS", { recipients });
  } else if (command.cmd === "clients") {
    const rooms = {};
    for (const [name, members] of nsp.adapter.rooms) {
      if (name.startsWith("user:")) rooms[name] = members.size;
    }
    out("CLIENTS", { connected: nsp.sockets.size, rooms });
  } else if (command.cmd === "setUnread" && Array.isArray(command.messages)) {
    messages = command.messages.map(row);
    out("UNREAD", { count: unreadRows().length });
  } else if (command.cmd === "addUser" && command.user && command.user.id !== undefined && command.user.email) {
    addUser(command.user);
    out("USER", { id: String(command.user.id) });
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
