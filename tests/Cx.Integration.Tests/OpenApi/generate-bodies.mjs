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
      // json-schema-faker cuts recursive schemas short at its depth limits (null or {} where the
      // schema has none): such a body is drawn again with the next seed of a separate range.
      for (let attempt = 0; attempt < 50; attempt++) {
        try {
          body = await generate(schema, {
            seed: attempt === 0 ? seed : seed * 1000 + attempt,
            alwaysFakeOptionals: true,
            useDefaultValue: false,
            useExamplesValue: false,
            maxDepth: 6,
            refDepthMax: 4,
          });
        } catch (error) {
          body = { generatorError: String(error?.message ?? error) };
          break;
        }
        if (fits(body, schema, document)) break;
      }
      process.stdout.write(
        JSON.stringify({ operationId: operation.operationId, method: method.toUpperCase(), path, mediaType, seed, body }) + "\n",
      );
    }
  }
}

// Whether a value fits a schema in the keywords that the generator's depth cut breaks (types,
// required properties, item counts, patterns, enums, composition); other keywords are trusted.
function fits(value, schema, document, depth = 0) {
  if (schema === true || schema === undefined || depth > 64) return true;
  if (schema === false) return false;
  if (schema.$ref) {
    const target = schema.$ref.replace(/^#\//, "").split("/").reduce((node, key) => node?.[key], document);
    if (!fits(value, target, document, depth + 1)) return false;
  }
  if (schema.allOf && !schema.allOf.every((s) => fits(value, s, document, depth + 1))) return false;
  if (schema.anyOf && !schema.anyOf.some((s) => fits(value, s, document, depth + 1))) return false;
  if (schema.oneOf && !schema.oneOf.some((s) => fits(value, s, document, depth + 1))) return false;
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) return false;
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    const actual = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
    const ok = types.some((t) => t === actual || (t === "integer" && Number.isInteger(value)));
    if (!ok) return false;
  }
  if (typeof value === "string" && schema.pattern && !matches(schema.pattern, value)) return false;
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) return false;
    if (schema.maxItems !== undefined && value.length > schema.maxItems) return false;
    if (schema.items && !value.every((v) => fits(v, schema.items, document, depth + 1))) return false;
  } else if (value !== null && typeof value === "object") {
    if ((schema.required ?? []).some((name) => !(name in value))) return false;
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      if (name in value && !fits(value[name], property, document, depth + 1)) return false;
    }
    if (schema.additionalProperties === false && Object.keys(value).some((name) => !(name in (schema.properties ?? {})))) return false;
  }
  return true;
}

// A pattern JavaScript cannot compile (.NET syntax) is trusted.
function matches(pattern, value) {
  try {
    return new RegExp(pattern, "u").test(value);
  } catch {
    return true;
  }
}
