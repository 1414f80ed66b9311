import { useEffect, useState } from 'preact/hooks';

/*
 * The dashboard's routing: the path names the page and the query holds the filters, so any view can be
 * shared as a link and the back button undoes a filter change.
 */

/** Where the dashboard is: its path and query parameters. */
export interface Place {
  path: string;
  query: URLSearchParams;
}

const listeners = new Set<() => void>();

function current(): Place {
  return { path: window.location.pathname, query: new URLSearchParams(window.location.search) };
}

window.addEventListener('popstate', () => {
  for (const listener of listeners) listener();
});

/** The current place, re-rendering on every navigation. */
export function usePlace(): Place {
  const [place, setPlace] = useState(current);
  useEffect(() => {
    const listener = (): void => setPlace(current());
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }, []);
  return place;
}

/** Goes to a path with a query; replace edits the history entry instead of adding one (for typing in a field). */
export function navigate(path: string, query: URLSearchParams = new URLSearchParams(window.location.search), replace = false): void {
  const text = query.toString();
  const url = `${path}${text === '' ? '' : `?${text}`}`;
  if (url === `${window.location.pathname}${window.location.search}`) return;
  if (replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  for (const listener of listeners) listener();
}

/** Sets some query parameters (removing those given as undefined or '') and stays on the page. */
export function setQuery(changes: Record<string, string | undefined>, replace = false): void {
  const query = new URLSearchParams(window.location.search);
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined || value === '') query.delete(name);
    else query.set(name, value);
  }
  navigate(window.location.pathname, query, replace);
}

/** A link that navigates without reloading the page. */
export function linkHandler(path: string, query?: URLSearchParams): (event: MouseEvent) => void {
  return (event) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(path, query ?? new URLSearchParams(window.location.search));
  };
}
