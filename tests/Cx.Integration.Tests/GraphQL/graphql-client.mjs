// Sends GraphQL requests to Cx with the stock npm client graphql-request, unchanged.
// Usage: node graphql-client.mjs <endpoint> <requests.json on stdin>
// stdin: [{"token": "...", "query": "...", "variables": {...}?}, ...]
// stdout: one JSON array of {data, errors, status} (errors as the server sent them).
import { GraphQLClient } from 'graphql-request';

const [endpoint] = process.argv.slice(2);
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const requests = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const results = [];
for (const request of requests) {
  const client = new GraphQLClient(endpoint, {
    headers: { authorization: `Bearer ${request.token}` },
    errorPolicy: 'all',
  });
  try {
    const response = await client.rawRequest(request.query, request.variables ?? {});
    results.push({ data: response.data ?? null, errors: response.errors ?? null, status: response.status });
  } catch (error) {
    results.push({ data: null, errors: error.response?.errors ?? [{ message: String(error) }], status: error.response?.status ?? 0 });
  }
}
process.stdout.write(JSON.stringify(results));
