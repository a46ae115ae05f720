// The OpenAPI breaking-change gate: compares a built OpenAPI document with the published one of
// the same version using api-smart-diff (npm), which follows every $ref from the operations and
// classifies each change as breaking, non-breaking, deprecated or an annotation by the OpenAPI 3.x
// rules: a removed operation, parameter, response status or request enum value, a request field
// made required or added as required, a response field made optional, a response enum value
// added... are breaking; added operations, optional request fields and response fields are not.
//
// Only changes reached from /paths count: those are what a client of the version can see (every
// document carries all shared schema components, and api-smart-diff judges a bare component with
// no request/response context). Two rules are stricter than api-smart-diff's: a property removed
// from a response schema and a type changed in a response schema break clients that read it. One
// is looser: a value added to a response enum is additive (clients must tolerate values they do not
// know, docs/versioning.md), where api-smart-diff calls it breaking.
//
// Prints one line per change (`type action /json/pointer: description`) and exits 1 when any
// change breaks clients of the published document, 0 otherwise.
// Usage: node scripts/contract/openapi-breaking.mjs <published.json> <built.json>
import { readFileSync } from 'node:fs';
import { apiCompare } from 'api-smart-diff';

const [published, built] = process.argv.slice(2);
const before = JSON.parse(readFileSync(published, 'utf8'));
const after = JSON.parse(readFileSync(built, 'utf8'));
const { diffs } = apiCompare(before, after);

const pointer = (path) => '/' + path.map((p) => String(p).replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

/** The classification this gate uses: api-smart-diff's, made stricter for response schemas. */
function classify(d) {
  const path = d.path.map(String);
  const inResponse = path.includes('responses');
  if (inResponse && d.action === 'remove' && path.at(-2) === 'properties') {
    return 'breaking';
  }
  if (inResponse && d.action === 'replace' && path.at(-1) === 'type') {
    return 'breaking';
  }
  if (inResponse && d.action === 'add' && path.includes('enum')) {
    return 'non-breaking';
  }
  return d.type;
}

const seen = diffs.filter((d) => d.path[0] === 'paths').map((d) => ({ ...d, type: classify(d) }));
for (const d of seen) {
  console.log(`${d.type} ${d.action} ${pointer(d.path)}: ${d.description ?? ''}`);
}
const breaking = seen.filter((d) => d.type === 'breaking');
if (breaking.length > 0) {
  console.error(`${breaking.length} breaking change(s) to the published OpenAPI document ${published}.`);
  process.exit(1);
}
