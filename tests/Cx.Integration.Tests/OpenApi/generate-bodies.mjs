// Generates request bodies from the request schemas of an OpenAPI document with json-schema-faker.
// Usage: node generate-bodies.mjs <document.json> [seeds]
// Prints one JSON line per operation and seed: {operationId, method, path, mediaType, seed, body}.
// Every $ref resolves against the document's own components; every optional property is generated,
// and properties beyond the declared ones are added wherever the schema allows them.
import { readFileSync } from "node:fs";
import { generate } from "json-schema-faker";

const [file, seedsArgument] = process.argv.slice(2);
const document = JSON.parse(readFileSync(file, "utf8"));
const seeds = Number(seedsArgument ?? "3");
const jsonMediaTypes = ["application/json", "application/merge-patch+json"];

for (const [path, item] of Object.entries(document.paths ?? {})) {
  for (const [method, operation] of Object.entries(item)) {
    const content = operation?.requestBody?.content;
    if (!content) continue;
    const mediaType = jsonMediaTypes.find((m) => content[m]?.schema);
    if (!mediaType) continue;
    const schema = { ...content[mediaType].schema, components: document.components };
    for (let seed = 1; seed <= seeds; seed++) {
      let body;
      try {
        body = await generate(schema, {
          seed,
          alwaysFakeOptionals: true,
          useDefaultValue: false,
          useExamplesValue: false,
          maxDepth: 6,
          refDepthMax: 4,
        });
      } catch (error) {
        body = { generatorError: String(error?.message ?? error) };
      }
      process.stdout.write(
        JSON.stringify({ operationId: operation.operationId, method: method.toUpperCase(), path, mediaType, seed, body }) + "\n",
      );
    }
  }
}
