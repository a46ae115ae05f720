// The GraphQL breaking-change gate: compares the built SDL with the published one using
// @graphql-inspector/core. Exits 1 when a change breaks clients of the published schema
// (a removed type or field, a changed type, a new required argument...), 0 for additive changes.
// Usage: node scripts/contract/graphql-breaking.mjs <published.graphql> <built.graphql>
import { readFileSync } from 'node:fs';
import { buildSchema } from 'graphql';
import { diff, CriticalityLevel } from '@graphql-inspector/core';

const [published, built] = process.argv.slice(2);
const before = buildSchema(readFileSync(published, 'utf8'));
const after = buildSchema(readFileSync(built, 'utf8'));
const changes = await diff(before, after);
const breaking = changes.filter((c) => c.criticality.level === CriticalityLevel.Breaking);
for (const change of changes) {
  console.log(`${change.criticality.level}: ${change.message}`);
}
if (breaking.length > 0) {
  console.error(`${breaking.length} breaking change(s) to the published GraphQL schema ${published}.`);
  process.exit(1);
}
