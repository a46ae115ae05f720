// An edge function's choice, runnable: verifies a Cx edge token (GET /api/v1/personalize/token)
// with the npm package "jose" against Cx's published keys, then picks a placement's variant from
// a cached copy of the placement (GET /api/v1/placements/{key}) without calling the origin:
// the control variant when the token holds the customer out, else the first variant by priority
// whose segment targeting the token's segment set meets, else the fallback. Variants that also
// target language, device, lifecycle stage or a rule need the origin (GET /api/v1/personalize).
// usage: node edge-choose.mjs <jwks-url> <issuer>   stdin: {"token": "...", "placement": {...}}
// Prints {"variant", "entry", "reason", "subject", "segments"} and exits 0, or the error and exits 1.
import { createRemoteJWKSet, jwtVerify } from "jose";

const [jwksUrl, issuer] = process.argv.slice(2);
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { token, placement } = JSON.parse(Buffer.concat(chunks).toString("utf8"));

try {
  const jwks = createRemoteJWKSet(new URL(jwksUrl));
  const { payload } = await jwtVerify(token, jwks, { issuer, audience: "cx-edge", algorithms: ["ES256"] });
  const segments = new Set(payload.seg ?? []);
  const variants = placement.variants ?? [];
  const byKey = (key) => variants.find((v) => v.key === key);
  const answer = (variant, reason) =>
    console.log(JSON.stringify({ variant: variant?.key ?? null, entry: variant?.entry ?? null, reason, subject: payload.sub, segments: [...segments] }));

  if (placement.holdout && payload.ho?.[placement.key] === true) {
    answer(byKey(placement.holdout.variant), "holdout");
  } else {
    const control = placement.holdout?.variant;
    const edgeDecidable = (t = {}) =>
      !t.rule && !(t.languages?.length) && !(t.devices?.length) && !(t.lifecycleStages?.length);
    const candidates = variants
      .map((v, i) => ({ v, i }))
      .filter(({ v }) => v.key !== control && edgeDecidable(v.targeting))
      .sort((a, b) => (b.v.priority ?? 0) - (a.v.priority ?? 0) || a.i - b.i);
    const match = candidates.find(({ v }) => !(v.targeting?.segments?.length) || v.targeting.segments.some((s) => segments.has(s)));
    if (match) answer(match.v, "matched");
    else if (placement.fallback) answer(byKey(placement.fallback), "fallback");
    else answer(null, "none");
  }
} catch (error) {
  console.error(`${error.code ?? "ERR"}: ${error.message}`);
  process.exit(1);
}
