// Runs Cosmos SQL with @zeit/cosmosdb-query, the SQL engine of the Cosmos DB protocol server,
// so the contract tests execute the SQL the Cosmos store generates (ORDER BY, TOP, keysets)
// where the server itself cannot serve such queries over HTTP. One request per stdin line,
// one response per stdout line, until stdin closes:
//   request:  {"sql": "...", "parameters": [{"name": "@p0", "value": ...}], "documents": [...],
//              "compositeIndexes": [[{"path": "/type", "order": "ascending"}, ...], ...]}
//   response: {"result": [...]} or, when the engine rejects the query, {"error": "..."}
"use strict";

const readline = require("readline");
const { default: query } = require("@zeit/cosmosdb-query");

// Compiled queries by SQL text, as the protocol server caches them: a page query's text is the
// same for every page (values are parameters), and compiling is the expensive part.
const compiled = new Map();

function run(line) {
  try {
    const input = JSON.parse(line);
    let q = compiled.get(input.sql);
    if (!q) {
      q = query(input.sql);
      compiled.set(input.sql, q);
    }
    const { result } = q.exec(input.documents, {
      parameters: input.parameters || [],
      compositeIndexes: input.compositeIndexes || [],
    });
    return { result };
  } catch (err) {
    return { error: String(err && err.message ? err.message : err) };
  }
}

readline
  .createInterface({ input: process.stdin, crlfDelay: Infinity })
  .on("line", (line) => {
    if (line.trim().length > 0) {
      process.stdout.write(`${JSON.stringify(run(line))}\n`);
    }
  });
