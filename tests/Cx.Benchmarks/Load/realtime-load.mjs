// Cross-device sync under load (docs/benchmarks.md, "Realtime"): CLIENTS connections of the stock
// @microsoft/signalr client follow one customer's channel; UPDATES profile changes are written over
// REST one after another, and each connection's delay from the write's start to its receipt is
// recorded. Also reports how many connections opened. Usage:
//   node realtime-load.mjs <apiBase> <token> <customerId> <clients> <updates>
import * as signalR from '@microsoft/signalr';

const [api, token, customer, clientsText, updatesText] = process.argv.slice(2);
const clients = Number(clientsText);
const updates = Number(updatesText);
const sent = new Map();
const latencies = [];
let received = 0;

const connections = [];
for (let i = 0; i < clients; i++) {
  const connection = new signalR.HubConnectionBuilder()
    .withUrl(`${api}/realtime`, { accessTokenFactory: () => token, transport: signalR.HttpTransportType.WebSockets })
    .configureLogging(signalR.LogLevel.Error)
    .build();
  connection.on('publication', (p) => {
    const started = sent.get(p.data?.name);
    if (started !== undefined) {
      latencies.push(performance.now() - started);
      received++;
    }
  });
  await connection.start();
  const response = await fetch(`${api}/realtime/subscriptions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ channel: `customer:${customer}`, connectionId: connection.connectionId }),
  });
  if (!response.ok) throw new Error(`subscribe ${response.status} ${await response.text()}`);
  connections.push(connection);
}
console.log(`connected=${connections.length}`);
if (process.env.HOLD_FILE) {
  // Lets the caller read the host's memory with every connection open.
  const { writeFileSync, existsSync } = await import('node:fs');
  writeFileSync(process.env.HOLD_FILE, 'ready');
  // Holds until the caller has read the memory and removed the file (at most a minute).
  const until = performance.now() + 60_000;
  while (existsSync(process.env.HOLD_FILE) && performance.now() < until) await new Promise((r) => setTimeout(r, 50));
}

for (let u = 0; u < updates; u++) {
  const marker = `load-${u}`;
  sent.set(marker, performance.now());
  const response = await fetch(`${api}/customers/${customer}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/merge-patch+json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ name: marker }),
  });
  if (!response.ok) throw new Error(`patch ${response.status}`);
  const expected = (u + 1) * clients;
  const deadline = performance.now() + 30_000;
  while (received < expected && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
}
latencies.sort((a, b) => a - b);
const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
console.log(
  `received=${received}/${clients * updates} p50=${at(0.5).toFixed(1)}ms p95=${at(0.95).toFixed(1)}ms p99=${at(0.99).toFixed(1)}ms max=${latencies[latencies.length - 1].toFixed(1)}ms`,
);
for (const c of connections) await c.stop();
process.exit(0);
