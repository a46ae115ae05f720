// Evaluates Cx flags with the stock OpenFeature server SDK and its OFREP provider, unchanged.
// Usage: node ofrep-client.mjs <baseUrl> <apiKey> <requests.json on stdin>
// stdin: [{"flag": "...", "type": "boolean|string|number|object", "default": ..., "context": {...}}, ...]
// stdout: one JSON array of evaluation details (value, variant, reason, errorCode, flagMetadata).
import { OpenFeature } from '@openfeature/server-sdk';
import { OFREPProvider } from '@openfeature/ofrep-provider';

const [baseUrl, apiKey] = process.argv.slice(2);
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const requests = JSON.parse(Buffer.concat(chunks).toString('utf8'));

await OpenFeature.setProviderAndWait(new OFREPProvider({ baseUrl, headers: [['X-Api-Key', apiKey]] }));
const client = OpenFeature.getClient();
const evaluate = {
  boolean: (f, d, c) => client.getBooleanDetails(f, d, c),
  string: (f, d, c) => client.getStringDetails(f, d, c),
  number: (f, d, c) => client.getNumberDetails(f, d, c),
  object: (f, d, c) => client.getObjectDetails(f, d, c),
};
const results = [];
for (const request of requests) {
  const details = await evaluate[request.type](request.flag, request.default, request.context ?? {});
  results.push({
    flag: details.flagKey,
    value: details.value,
    variant: details.variant ?? null,
    reason: details.reason ?? null,
    errorCode: details.errorCode ?? null,
    flagMetadata: details.flagMetadata ?? {},
  });
}
await OpenFeature.close();
process.stdout.write(JSON.stringify(results));
