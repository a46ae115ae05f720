// Verifies a Cx access token with an independent JWT library (npm "jose"), the way another
// service or a browser would: keys from Cx's published JWKS, issuer and audience checked.
// usage: node verify-with-jose.mjs <jwks-url> <issuer> <audience>   (token on stdin)
// Prints the verified claims as JSON and exits 0, or prints the error and exits 1.
import { createRemoteJWKSet, jwtVerify } from "jose";

const [jwksUrl, issuer, audience] = process.argv.slice(2);
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const token = Buffer.concat(chunks).toString("utf8").trim();

try {
  const jwks = createRemoteJWKSet(new URL(jwksUrl));
  const { payload, protectedHeader } = await jwtVerify(token, jwks, {
    issuer,
    audience,
    algorithms: ["ES256"],
  });
  console.log(JSON.stringify({ header: protectedHeader, payload }));
} catch (error) {
  console.error(`${error.code ?? "ERR"}: ${error.message}`);
  process.exit(1);
}
