import { useState } from 'preact/hooks';
import { ApiError, setApiKey } from '../api.js';

/** What a page shows when the API refuses: a key form on 401/403, the message otherwise. */
export function ApiProblem({ error }: { error: unknown }) {
  const [key, setKey] = useState('');
  if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
    return (
      <form
        class="notice key-form"
        onSubmit={(event) => {
          event.preventDefault();
          setApiKey(key.trim());
        }}
      >
        <p>{error.status === 401 ? 'This server needs an API key with the read scope.' : 'This key may not read reports: use a read or admin key.'}</p>
        <input type="password" placeholder="uck_…" value={key} onInput={(event) => setKey((event.target as HTMLInputElement).value)} aria-label="API key" />
        <button type="submit">Use key</button>
      </form>
    );
  }
  return <p class="notice error">{error instanceof Error ? error.message : String(error)}</p>;
}
