// Starts the Cosmos DB protocol server (@vercel/cosmosdb-server) on 127.0.0.1 for the contract
// tests: `node cosmos-server.js [port]` (0 or none: a free port chosen by the OS). Prints
// "listening <port>" once it accepts connections, and exits when its stdin closes, so a test
// run that dies never leaves it behind.
//
// Two defects of the server are patched in this process, each where it contradicts Cosmos DB:
//  1. A point read of a missing document crashes the read handler (HTTP 500); Cosmos DB
//     answers 404 Not Found, which the store relies on.
//  2. Replacing a container (its indexing policy, as EnsureIndexesAsync does) drops all of
//     the container's documents; Cosmos DB keeps them and re-indexes online.
"use strict";

const readDocument = require("@vercel/cosmosdb-server/lib/handler/read-document");
const Collections = require("@vercel/cosmosdb-server/lib/account/collections").default;

const readDocumentHandler = readDocument.default;
readDocument.default = (account, req, res, params) => {
  try {
    return readDocumentHandler(account, req, res, params);
  } catch (err) {
    if (!(err instanceof TypeError)) {
      throw err;
    }
    res.statusCode = 404;
    return { code: "NotFound", message: "Entity with the specified id does not exist in the system." };
  }
};

const replaceCollection = Collections.prototype.replace;
Collections.prototype.replace = function replace(data, original) {
  const before = this._data.get(original._rid);
  const result = replaceCollection.call(this, data, original);
  const after = this._data.get(result._rid);
  if (before && after && before !== after) {
    for (const name of ["documents", "partitionKeyRanges", "userDefinedFunctions"]) {
      after[name] = before[name];
      after[name]._parent = after;
    }
  }
  return result;
};

const { createHttpsServer } = require("@vercel/cosmosdb-server");

const port = Number.parseInt(process.argv[2] || "0", 10);
const server = createHttpsServer().listen(port, "127.0.0.1", () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
server.on("error", (err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exit(1);
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
