// The GraphQL explorer: GraphiQL against this host's /api/v1/graphql. The bearer token is typed
// into the token field (or given in the page's fragment, #token=..., which never reaches a
// server); it is kept in memory only and sent as the Authorization header unless the headers
// editor sets one. A query may be given as #query=... too.
import { useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import './explorer.css';

/* global CX_WORKERS */
globalThis.MonacoEnvironment = {
  getWorker(_id, label) {
    const file = label === 'json' ? CX_WORKERS.json : label === 'graphql' ? CX_WORKERS.graphql : CX_WORKERS.editor;
    return new Worker(new URL(`./${file}`, import.meta.url));
  },
};

const endpoint = new URL('../graphql', location.href).href;
const fragment = new URLSearchParams(location.hash.slice(1));
if (fragment.has('token')) {
  // The token must not stay in the address bar or the history.
  history.replaceState(null, '', location.pathname + location.search);
}

function hasAuthorization(headers) {
  return Object.keys(headers ?? {}).some((name) => name.toLowerCase() === 'authorization');
}

function fetcherFor(token) {
  return async (params, options) => {
    const headers = {
      'Content-Type': 'application/json',
      Accept: 'application/graphql-response+json, application/json',
      ...(options?.headers ?? {}),
    };
    if (!hasAuthorization(options?.headers)) {
      // Every GraphQL call needs credentials: say so here instead of asking the server for a 401.
      if (!token) return { errors: [{ message: 'Paste an access token into the token field above (or set an Authorization header).' }] };
      headers.Authorization = `Bearer ${token}`;
    }
    const response = await fetch(endpoint, { method: 'POST', headers, body: JSON.stringify(params) });
    const type = response.headers.get('content-type') ?? '';
    if (type.includes('json')) return response.json();
    return { errors: [{ message: `HTTP ${response.status}: ${await response.text()}` }] };
  };
}

function Explorer() {
  const [draft, setDraft] = useState(fragment.get('token') ?? '');
  const [token, setToken] = useState(draft.trim());
  const fetcher = useMemo(() => fetcherFor(token), [token]);
  return (
    <div className="cx-explorer">
      <form
        className="cx-token"
        onSubmit={(event) => {
          event.preventDefault();
          setToken(draft.trim());
        }}
      >
        <label htmlFor="cx-token">Bearer token</label>
        <input
          id="cx-token"
          type="password"
          autoComplete="off"
          spellCheck="false"
          value={draft}
          placeholder="paste an access token (cx token, or POST /api/v1/auth/token)"
          onChange={(event) => setDraft(event.target.value)}
        />
        <button type="submit">Use token</button>
        <span className="cx-endpoint">{endpoint}</span>
      </form>
      <div className="cx-graphiql">
        {/* A new token re-reads the schema: keyed so GraphiQL starts over with it. */}
        <GraphiQL key={token} fetcher={fetcher} initialQuery={fragment.get('query') ?? undefined} shouldPersistHeaders={false} />
      </div>
    </div>
  );
}

createRoot(document.getElementById('app')).render(<Explorer />);
