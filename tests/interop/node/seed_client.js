#!/usr/bin/env node
// A socket.io-client v4 script that behaves like the seed back end's web front end, to
// check that OUR server speaks to JavaScript clients as PROTOCOL.md section 3 says.
//
// Usage: node seed_client.js --url URL [--token TOKEN] [--user-id ID]
//                            [--transports websocket,polling] [--no-authenticate]
// (or env INTEROP_URL, INTEROP_TOKEN, INTEROP_USER_ID, INTEROP_TRANSPORTS)
//
// It connects to URL + /whatsapp with handshake auth {token}, then emits
// `authenticate {userId, token}`. stdout, one line each:
//   CONNECTED {"id"}
//   CONNECT_ERROR {"message", "data"}
//   DISCONNECTED {"reason"}
//   EVENT <name> <json>                    every event the server sent
//   ACK <name> <json>                      the ack answer of an emit with "ack": true
//   ACK_TIMEOUT <name> {"timeoutMs"}       no ack arrived in time
//   ERROR {"message"}                      a stdin line it could not understand
// stdin, JSON lines:
//   {"emit": "markAsRead", "data": {...}, "ack": true, "timeoutMs": 10000}
//   {"cmd": "disconnect"}  {"cmd": "connect"}
// stdin EOF disconnects and exits 0.
"use strict";

const readline = require("node:readline");
const { io } = require("socket.io-client");

function out(kind, payload) {
  process.stdout.write(`${kind} ${JSON.stringify(payload === undefined ? null : payload)}\n`);
}

function parseArgs(argv) {
  const options = {
    url: process.env.INTEROP_URL,
    token: process.env.INTEROP_TOKEN,
    userId: process.env.INTEROP_USER_ID,
    transports: process.env.INTEROP_TRANSPORTS,
    authenticate: true,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      i += 1;
      return argv[i];
    };
    if (arg === "--url") options.url = value();
    else if (arg === "--token") options.token = value();
    else if (arg === "--user-id") options.userId = value();
    else if (arg === "--transports") options.transports = value();
    else if (arg === "--no-authenticate") options.authenticate = false;
    else throw new Error(`unknown argument ${arg}`);
  }
  if (!options.url) throw new Error("no server URL: pass --url or set INTEROP_URL");
  return options;
}

let options;
try {
  options = parseArgs(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`seed_client: ${err.message}\n`);
  process.exit(2);
}

const socketOptions = {
  auth: options.token ? { token: options.token } : {},
  reconnection: false,
  forceNew: true,
  timeout: 10000,
};
if (options.transports) {
  socketOptions.transports = options.transports.split(",").map((name) => name.trim());
}

const socket = io(`${options.url.replace(/\/+$/, "")}/whatsapp`, socketOptions);

socket.on("connect", () => {
  out("CONNECTED", { id: socket.id });
  if (options.authenticate) {
    const payload = {};
    if (options.userId !== undefined && options.userId !== "") payload.userId = options.userId;
    if (options.token) payload.token = options.token;
    socket.emit("authenticate", payload);
  }
});

socket.on("connect_error", (err) => {
  out("CONNECT_ERROR", { message: err.message, data: err.data === undefined ? null : err.data });
});

socket.on("disconnect", (reason) => {
  out("DISCONNECTED", { reason });
});

socket.onAny((event, ...args) => {
  // The line format keeps the name outside the JSON so that tests can split on spaces.
  process.stdout.write(`EVENT ${event} ${JSON.stringify(args.length > 0 ? args[0] : null)}\n`);
});

function handleCommand(line) {
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
    const name = command.emit;
    const data = command.data === undefined ? {} : command.data;
    if (command.ack) {
      const timeoutMs = Number.isInteger(command.timeoutMs) ? command.timeoutMs : 10000;
      socket.timeout(timeoutMs).emit(name, data, (err, response) => {
        if (err) out(`ACK_TIMEOUT ${name}`, { timeoutMs });
        else out(`ACK ${name}`, response === undefined ? null : response);
      });
    } else {
      socket.emit(name, data);
    }
  } else if (command.cmd === "disconnect") {
    socket.disconnect();
  } else if (command.cmd === "connect") {
    socket.connect();
  } else {
    out("ERROR", { message: `unknown command: ${line}` });
  }
}

const rl = readline.createInterface({ input: process.stdin });
rl.on("line", (line) => {
  if (line.trim() !== "") handleCommand(line);
});
rl.on("close", () => {
  socket.disconnect();
  process.exit(0);
});
