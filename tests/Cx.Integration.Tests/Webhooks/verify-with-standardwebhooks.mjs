// Verifies a Cx webhook delivery with an independent library (npm "standardwebhooks"), the way a
// receiver would: the signature over id, timestamp and body, and the timestamp's tolerance.
// usage: node verify-with-standardwebhooks.mjs <secret>   (stdin: {"headers": {...}, "body": "..."})
// Prints the verified payload as JSON and exits 0, or prints the reason and exits 1.
import { Webhook } from "standardwebhooks";

const secret = process.argv[2];
let input = "";
for await (const chunk of process.stdin) {
  input += chunk;
}
const { headers, body } = JSON.parse(input);
try {
  const payload = new Webhook(secret).verify(body, headers);
  process.stdout.write(JSON.stringify(payload));
} catch (error) {
  process.stderr.write(String(error?.message ?? error));
  process.exit(1);
}
