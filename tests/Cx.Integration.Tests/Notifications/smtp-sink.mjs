// A real SMTP server for the notification tests (npm smtp-server): it accepts every message,
// parses it (npm mailparser) and appends one JSON line per message to the file named by the first
// argument. It listens on 127.0.0.1 on a free port and prints "listening <port>" once ready.
// Recipients whose local part starts with "reject" are refused with 550 (a permanent failure).
// Each line carries the id of the SMTP connection it came on ("connection"). A "drop" line on stdin
// closes every open connection (as a server's idle timeout would) and prints "dropped <n>".
import { appendFileSync } from "node:fs";
import { SMTPServer } from "smtp-server";
import { simpleParser } from "mailparser";

const out = process.argv[2];
if (!out) {
  console.error("usage: node smtp-sink.mjs <output.jsonl>");
  process.exit(2);
}

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ["STARTTLS"],
  logger: false,
  onRcptTo(address, _session, callback) {
    if (address.address.startsWith("reject")) {
      const error = new Error("Mailbox unavailable");
      error.responseCode = 550;
      return callback(error);
    }
    callback();
  },
  onData(stream, session, callback) {
    simpleParser(stream)
      .then((mail) => {
        // The raw header lines (unfolded), keyed by lower-case name: what the sender wrote.
        const headers = {};
        for (const { key, line } of mail.headerLines) {
          headers[key] = line.slice(line.indexOf(":") + 1).replace(/\r?\n[ \t]+/g, " ").trim();
        }
        appendFileSync(
          out,
          JSON.stringify({
            at: Date.now(),
            from: mail.from?.text ?? null,
            to: session.envelope.rcptTo.map((r) => r.address),
            connection: session.id,
            subject: mail.subject ?? null,
            text: mail.text ?? null,
            headers,
          }) + "\n",
        );
        callback();
      })
      .catch(callback);
  },
});

server.on("error", (error) => console.error(error.message));
server.listen(0, "127.0.0.1", () => {
  console.log(`listening ${server.server.address().port}`);
});
let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  input += chunk;
  let newline;
  while ((newline = input.indexOf("\n")) >= 0) {
    const command = input.slice(0, newline).trim();
    input = input.slice(newline + 1);
    if (command === "drop") {
      const open = [...server.connections];
      for (const connection of open) {
        connection.close();
      }
      console.log(`dropped ${open.length}`);
    }
  }
});
process.stdin.on("end", () => server.close(() => process.exit(0)));
process.stdin.resume();
