// The front-end build of Cx: bundles every page under src/ with esbuild into dist/ (not committed).
//   dist/assets/<name>-<hash>.<ext>  scripts, styles, workers and fonts; content-hashed, served immutable
//   dist/pages/<page>.html           one HTML file per page, served no-cache; it names its assets
// The hosts embed dist/ into Cx.Http (see Cx.Http.csproj) and serve it through Cx.Http/Web.
// Run: `npm run build:web` from the repository root (after `npm ci`).
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const dist = join(here, 'dist');
const assets = join(dist, 'assets');
const pagesOut = join(dist, 'pages');

/**
 * The pages. `web` is the path from the page's URL to the asset route (`/api/web/`), relative so
 * the pages work under any host name and route prefix; `entries` are esbuild entry points.
 */
const pages = [
  { name: 'reference', template: 'src/reference/index.html', web: '../web/' },
  { name: 'explorer', template: 'src/explorer/index.html', web: '../../web/' },
];

rmSync(dist, { recursive: true, force: true });
mkdirSync(assets, { recursive: true });
mkdirSync(pagesOut, { recursive: true });

/** Logical name (what a template writes) → hashed file name under assets/. */
const manifest = {};

const common = {
  bundle: true,
  minify: true,
  sourcemap: false,
  legalComments: 'linked',
  target: ['es2022'],
  outdir: assets,
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  chunkNames: 'chunk-[hash]',
  metafile: true,
  logLevel: 'warning',
  loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file', '.svg': 'file' },
  define: { 'process.env.NODE_ENV': '"production"' },
};

function record(metafile, entries) {
  for (const [file, output] of Object.entries(metafile.outputs)) {
    if (!output.entryPoint || !entries.includes(resolve(output.entryPoint))) continue;
    const name = basename(output.entryPoint).replace(/\.(jsx?|mjs)$/, '') + extname(file);
    manifest[name] = basename(file);
    if (output.cssBundle) manifest[name.replace(/\.js$/, '.css')] = basename(output.cssBundle);
  }
}

// 1. Monaco's web workers for the GraphQL explorer: classic scripts, each its own bundle.
const workers = await esbuild.build({
  ...common,
  format: 'iife',
  entryPoints: {
    'editor.worker': require.resolve('monaco-editor/esm/vs/editor/editor.worker.js'),
    'json.worker': require.resolve('monaco-editor/esm/vs/language/json/json.worker.js'),
    'graphql.worker': require.resolve('monaco-graphql/esm/graphql.worker.js'),
  },
});
for (const [file, output] of Object.entries(workers.metafile.outputs)) {
  const name = Object.keys({ 'editor.worker': 0, 'json.worker': 0, 'graphql.worker': 0 }).find((w) => basename(file).startsWith(w + '-'));
  if (output.entryPoint && name) manifest[name + '.js'] = basename(file);
}

// 2. The page scripts (ES modules); the worker file names are compiled in.
const pageScripts = ['src/reference/reference.js', 'src/explorer/explorer.jsx'].map((p) => join(here, p));
const scripts = await esbuild.build({
  ...common,
  format: 'esm',
  // No splitting: dynamic imports are bundled in, so every style (Monaco's too) lands in the
  // entry's one CSS file, which the page links.
  jsx: 'automatic',
  entryPoints: pageScripts,
  define: {
    ...common.define,
    CX_WORKERS: JSON.stringify({
      editor: manifest['editor.worker.js'],
      json: manifest['json.worker.js'],
      graphql: manifest['graphql.worker.js'],
    }),
  },
});
record(scripts.metafile, pageScripts);

// 3. Scalar's API reference ships as one prebuilt standalone script: copied under its content hash.
copyHashed(join(packageRoot('@scalar/api-reference'), 'dist/browser/standalone.js'), 'scalar.js');

// 4. The pages: {{asset:NAME}} becomes the hashed file's URL, relative to the page.
for (const page of pages) {
  const html = readFileSync(join(here, page.template), 'utf8').replace(/\{\{asset:([^}]+)\}\}/g, (_, name) => {
    const file = manifest[name];
    if (!file) throw new Error(`${page.template} names ${name}, which the build did not produce (have: ${Object.keys(manifest).join(', ')})`);
    return page.web + file;
  });
  writeFileSync(join(pagesOut, page.name + '.html'), html);
}
writeFileSync(join(dist, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
console.log(`web: ${Object.keys(manifest).length} assets, ${pages.length} pages in ${relative(process.cwd(), dist) || '.'}`);

function packageRoot(name) {
  // The installed package's folder (its exports map does not name the standalone file).
  let folder = dirname(require.resolve(name));
  while (!existsSync(join(folder, 'package.json')) || JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')).name !== name) {
    const parent = dirname(folder);
    if (parent === folder) throw new Error(`cannot find the folder of ${name}`);
    folder = parent;
  }
  return folder;
}

function copyHashed(source, name) {
  const bytes = readFileSync(source);
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 10).toUpperCase();
  const file = `${name.replace(/\.[^.]+$/, '')}-${hash}${extname(name)}`;
  copyFileSync(source, join(assets, file));
  manifest[name] = file;
}
