// Idle connections (docs/benchmarks.md, "Realtime: idle connections"): one of several processes
// that together hold many connections of the stock @microsoft/signalr client on one customer's
// channel. Opens COUNT connections (CONCURRENCY at a time), subscribes each, writes
// <dir>/ready-<index> with the count, waits for <dir>/go, then counts the connections that receive
// the publication of the update the caller makes (name = marker) and prints the counts.
// Usage: node realtime-idle.mjs <apiBase> <token> <customerId> <count> <index> <dir> <marker>
import * as signalR from '@microsoft/signalr';
import { existsSync, writeFileSync } from 'node:fs';

const [api, token, customer, countText, index, dir, marker] = process.argv.slice(2);
const count = Number(countText);
const concurrency = 25;
const connections = [];
let received = 0;
let failed = 0;

async function open() {
  const connection = new signalR.HubConnectionBuilder()
    .withUrl(`${api}/realtime`, { accessTokenFactory: () => token, transport: signalR.HttpTransportType.WebSockets })
    .configureLogging(signalR.LogLevel.None)
    .build();
  let seen = false;
  connection.on('publication', (p) => {
    if (!seen && p.data?.name === marker) {
      seen = true;
      received++;
    }
  });
  try {
    await connection.start();
    const response = await fetch(`${api}/realtime/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ channel: `customer:${customer}`, connectionId: connection.connectionId }),
    });
    if (!response.ok) throw new Error(`subscribe ${response.status}`);
    connections.push(connection);
  } catch {
    failed++;
  }
}

let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < count) {
      next++;
      await open();
    }
  }),
);
writeFileSync(`${dir}/ready-${index}`, String(connections.length));
const wait = async (done, ms) => {
  const until = performance.now() + ms;
  while (!done() && performance.now() < until) await new Promise((r) => setTimeout(r, 50));
};
await wait(() => existsSync(`${dir}/go`), 300_000);
await wait(() => received >= connections.length, 60_000);
console.log(`process=${index} connected=${connections.length} failed=${failed} received=${received}`);
await Promise.all(connections.map((c) => c.stop()));
process.exit(0);
