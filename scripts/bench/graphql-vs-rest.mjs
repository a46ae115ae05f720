// GraphQL against REST in the same run: the customer by id, five fields, over keep-alive connections.
// Usage: node scripts/bench/graphql-vs-rest.mjs <apiBase e.g. http://127.0.0.1:7071/api/v1> <token> <customerId> [connections=10] [seconds=10]
// Prints requests per second of each and their ratio (docs/benchmarks.md).
import http from 'node:http';

const [base, token, id, connections = '10', seconds = '10'] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(connections) });
const query = JSON.stringify({
  query: 'query($id: ID!) { customer(id: $id) { id email name loyaltyTier createdAt } }',
  variables: { id },
});

function send(method, url, body) {
  return new Promise((resolve, reject) => {
    const request = http.request(url, {
      method,
      agent,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
    });
    request.on('response', (response) => {
      response.resume();
      response.on('end', () => (response.statusCode === 200 ? resolve() : reject(new Error(`${url}: ${response.statusCode}`))));
    });
    request.on('error', reject);
    request.end(body);
  });
}

async function run(name, call) {
  for (let i = 0; i < 200; i++) await call(); // warm-up
  const until = Date.now() + Number(seconds) * 1000;
  let count = 0;
  await Promise.all(
    Array.from({ length: Number(connections) }, async () => {
      while (Date.now() < until) {
        await call();
        count++;
      }
    }),
  );
  const rate = count / Number(seconds);
  console.log(`${name}: ${count} requests, ${rate.toFixed(0)}/s`);
  return rate;
}

const rest = await run('REST GET /customers/{id}?fields=...', () =>
  send('GET', `${base}/customers/${encodeURIComponent(id)}?fields=id,email,name,loyaltyTier,createdAt`),
);
const graphql = await run('GraphQL customer(id) five fields', () => send('POST', `${base}/graphql`, query));
console.log(`ratio GraphQL/REST: ${(graphql / rest).toFixed(2)}`);
