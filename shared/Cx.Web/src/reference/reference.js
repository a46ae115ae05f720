// The API reference: Scalar over each version's OpenAPI document, the page's own version first.
// Everything comes from this host: no fonts, telemetry or proxy from elsewhere (the CSP forbids them).
const match = /\/(v\d+)\/reference\/?$/.exec(location.pathname);
const current = match ? match[1] : 'v1';
const versions = ['v1', 'v2'];
const sources = versions.map((version) => ({
  title: `Cx API ${version}`,
  slug: version,
  url: new URL(`../${version}/openapi.json`, location.href).href,
  default: version === current,
}));

window.Scalar.createApiReference('#app', {
  sources,
  withDefaultFonts: false,
  telemetry: false,
  hideClientButton: false,
  showDeveloperTools: 'never',
  agent: { disabled: true },
  mcp: { disabled: true },
});
