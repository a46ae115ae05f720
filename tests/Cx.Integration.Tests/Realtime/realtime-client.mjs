// Talks to Cx realtime with the stock @microsoft/signalr client, unchanged: it is given the API's
// base URL (/api/v1/realtime) and a Cx token, negotiates, and follows the answer to the hub.
// Usage: node realtime-client.mjs <plan.json on stdin>; stdout: one JSON object (see each mode).
// plan: {mode, api, token, channel, writes?: [{method, url, token, body}], marker?, observerToken?}
//  live:      subscribe, make the writes, wait until a publication carries the last write's marker;
//             out: {subscription, received: [publication...]}
//  subscribe: subscribe only; out: {status, body}
//  resume:    subscribe and keep an observer connection subscribed too; drop the first connection,
//             make the writes, wait until the observer has the last one, reconnect with the last
//             position the first connection had; out: {before, subscription, received}
//  replay:    subscribe, send the offline mutations (plan.replay) plan.times times, make the writes, wait
//             for the marker; out: {subscription, responses: [{status, body}], received}
//  revoke:    connect with token and observerToken, sign token out everywhere, wait up to 5 s for the
//             close; out: {signOut, closedAfterMs (null if still open), observer (its state)}
//  limit:     open plan.count connections with one token; out: {opened, refused (the error, or null)}
import * as signalR from '@microsoft/signalr';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const plan = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const deadline = Date.now() + 45_000;

async function connect(token) {
  const received = [];
  const waiters = [];
  const connection = new signalR.HubConnectionBuilder()
    .withUrl(`${plan.api}/realtime`, { accessTokenFactory: () => token })
    .configureLogging(signalR.LogLevel.Warning)
    .build();
  connection.on('publication', (publication) => {
    received.push(publication);
    for (const waiter of [...waiters]) waiter();
  });
  await connection.start();
  const until = (predicate) =>
    new Promise((resolve, reject) => {
      const check = () => {
        if (predicate(received)) {
          waiters.splice(waiters.indexOf(check), 1);
          clearTimeout(timer);
          resolve();
        }
      };
      const timer = setTimeout(() => reject(new Error(`timed out; received ${JSON.stringify(received)}`)), deadline - Date.now());
      waiters.push(check);
      check();
    });
  return { connection, received, until };
}

async function subscribe(connection, token, since) {
  const response = await fetch(`${plan.api}/realtime/subscriptions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ channel: plan.channel, connectionId: connection.connectionId, ...(since ? { since } : {}) }),
  });
  return { status: response.status, body: await response.json() };
}

async function write(w) {
  const response = await fetch(w.url, {
    method: w.method,
    headers: {
      'content-type': w.method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
      authorization: `Bearer ${w.token}`,
    },
    body: JSON.stringify(w.body),
  });
  if (!response.ok) throw new Error(`${w.method} ${w.url}: ${response.status} ${await response.text()}`);
}

const hasMarker = (marker) => (list) => list.some((p) => JSON.stringify(p.data ?? {}).includes(marker));

let output;
if (plan.mode === 'subscribe') {
  const client = await connect(plan.token);
  output = await subscribe(client.connection, plan.token, plan.since);
  await client.connection.stop();
} else if (plan.mode === 'live') {
  const client = await connect(plan.token);
  const subscription = await subscribe(client.connection, plan.token);
  if (subscription.status !== 200) throw new Error(JSON.stringify(subscription));
  for (const w of plan.writes) await write(w);
  await client.until(hasMarker(plan.marker));
  output = { subscription: subscription.body, received: client.received };
  await client.connection.stop();
} else if (plan.mode === 'resume') {
  const first = await connect(plan.token);
  const observer = await connect(plan.observerToken ?? plan.token);
  const initial = await subscribe(first.connection, plan.token);
  await subscribe(observer.connection, plan.observerToken ?? plan.token);
  // One publication first, so the client has a position in the channel.
  await write(plan.writes[0]);
  await first.until(hasMarker(plan.firstMarker));
  const last = first.received[first.received.length - 1];
  const position = { epoch: last.epoch, offset: last.offset };
  await first.connection.stop();
  for (const w of plan.writes.slice(1)) await write(w);
  await observer.until(hasMarker(plan.marker));
  await observer.connection.stop();
  const again = await connect(plan.token);
  const subscription = await subscribe(again.connection, plan.token, position);
  // Live publications made while subscribing may repeat replayed ones: keep each offset once.
  const seen = new Set();
  const received = [];
  for (const p of [...(subscription.body.publications ?? []), ...again.received]) {
    if (p.offset > position.offset && !seen.has(p.offset)) {
      seen.add(p.offset);
      received.push(p);
    }
  }
  output = { initial: initial.body, before: position, subscription: subscription.body, received };
  await again.connection.stop();
} else if (plan.mode === 'replay') {
  const client = await connect(plan.token);
  const subscription = await subscribe(client.connection, plan.token);
  if (subscription.status !== 200) throw new Error(JSON.stringify(subscription));
  const responses = [];
  for (let i = 0; i < plan.times; i++) {
    const response = await fetch(`${plan.api}/realtime/mutations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${plan.token}` },
      body: JSON.stringify(plan.replay),
    });
    responses.push({ status: response.status, body: await response.json() });
  }
  // A last write through REST: once it arrives, every publication of the replays has arrived before it.
  for (const w of plan.writes) await write(w);
  await client.until(hasMarker(plan.marker));
  output = { subscription: subscription.body, responses, received: client.received };
  await client.connection.stop();
} else if (plan.mode === 'revoke') {
  const client = await connect(plan.token);
  const observer = await connect(plan.observerToken);
  const closed = new Promise((resolve) => client.connection.onclose(() => resolve(Date.now())));
  const response = await fetch(`${plan.api}/auth/sign-out-everywhere`, {
    method: 'POST',
    headers: { authorization: `Bearer ${plan.token}` },
  });
  const revokedAt = Date.now();
  const closedAt = await Promise.race([closed, new Promise((resolve) => setTimeout(() => resolve(null), 5_000))]);
  output = {
    signOut: response.status,
    closedAfterMs: closedAt === null ? null : closedAt - revokedAt,
    observer: observer.connection.state,
  };
  await observer.connection.stop();
} else if (plan.mode === 'limit') {
  const opened = [];
  let refused = null;
  for (let i = 0; i < plan.count; i++) {
    try {
      const c = await connect(plan.token);
      // start() resolves at the handshake, before the hub's OnConnectedAsync has run. The hub answers
      // an invocation only after OnConnectedAsync, so one round trip (an unknown method: its error is
      // the answer) tells a kept connection from one the hub closed for the per-user limit.
      await c.connection.invoke('RoundTrip').catch(() => {});
      if (c.connection.state !== signalR.HubConnectionState.Connected) {
        refused = 'closed by the hub after the handshake';
        break;
      }
      opened.push(c);
    } catch (error) {
      refused = String(error);
      break;
    }
  }
  output = { opened: opened.length, refused };
  for (const c of opened) await c.connection.stop();
} else {
  throw new Error(`unknown mode ${plan.mode}`);
}
process.stdout.write(JSON.stringify(output));
process.exit(0);
