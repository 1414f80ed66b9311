/*
 * The dashboard's only way to the server: the same JSON API scripts use. A key, when the server wants one,
 * is kept for this tab only (sessionStorage) and sent as a bearer token.
 */

/** A refusal from the API, with its code and the field it names. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

const keyStorage = 'unitcost.apiKey';
const keyListeners = new Set<() => void>();

/** The key this tab sends, if any. */
export function apiKey(): string | null {
  return sessionStorage.getItem(keyStorage);
}

/** Sets (or clears) the key and reloads whatever asked for one. */
export function setApiKey(key: string | null): void {
  if (key) sessionStorage.setItem(keyStorage, key);
  else sessionStorage.removeItem(keyStorage);
  for (const listener of keyListeners) listener();
}

/** Calls back when the key changes, so pages can fetch again. */
export function onApiKeyChange(listener: () => void): () => void {
  keyListeners.add(listener);
  return () => keyListeners.delete(listener);
}

/** Query values: a repeated parameter as an array; undefined and '' are left out. */
export type Query = Record<string, string | number | string[] | undefined>;

// The server answers reads one at a time; the figures a page exists for go first, lists for the filters after.
let urgentInFlight = 0;
let urgentSettled: Array<() => void> = [];

/** GETs a JSON resource; a 'later' request waits until the page's own requests have been answered. */
export async function getJson<T>(path: string, query: Query = {}, signal?: AbortSignal, priority: 'now' | 'later' = 'now'): Promise<T> {
  if (priority === 'later') {
    // Let the page's components send their requests first, then wait for them.
    await new Promise((resolve) => setTimeout(resolve, 0));
    while (urgentInFlight > 0) await new Promise<void>((resolve) => urgentSettled.push(resolve));
    return request<T>(`${path}${queryString(query)}`, { method: 'GET', ...(signal ? { signal } : {}) });
  }
  urgentInFlight += 1;
  try {
    return await request<T>(`${path}${queryString(query)}`, { method: 'GET', ...(signal ? { signal } : {}) });
  } finally {
    urgentInFlight -= 1;
    if (urgentInFlight === 0) {
      const waiting = urgentSettled;
      urgentSettled = [];
      for (const resolve of waiting) resolve();
    }
  }
}

/** POSTs JSON and reads JSON back. */
export function postJson<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  return request<T>(path, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' }, ...(signal ? { signal } : {}) });
}

/** DELETEs a resource and reads JSON back. */
export function deleteJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return request<T>(path, { method: 'DELETE', ...(signal ? { signal } : {}) });
}

/**
 * GETs a file (a download, a printable page) with this tab's key, for links a plain click cannot authorize:
 * its body and the file name the server offers. A refusal reads as an ApiError, as for JSON.
 */
export async function getFile(path: string, query: Query = {}): Promise<{ blob: Blob; filename: string | null }> {
  const key = apiKey();
  const response = await fetch(`${path}${queryString(query)}`, key ? { headers: { Authorization: `Bearer ${key}` } } : {});
  if (!response.ok) {
    const error = ((await response.json().catch(() => null)) as { error?: { code?: string; message?: string; field?: string } } | null)?.error;
    throw new ApiError(response.status, error?.code ?? 'error', error?.message ?? `the server answered ${response.status}`, error?.field);
  }
  const filename = /filename="?([^";]+)"?/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? null;
  return { blob: await response.blob(), filename };
}

/** The query string of these values, with a leading ? when not empty. */
export function queryString(query: Query): string {
  const parameters = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === '') continue;
    if (Array.isArray(value)) for (const item of value) parameters.append(name, item);
    else parameters.set(name, String(value));
  }
  const text = parameters.toString();
  return text === '' ? '' : `?${text}`;
}

/** A GET that index.html sent before the bundle loaded (the overview's KPIs), for the page's first request of its URL. */
interface EarlyRequest {
  url: string;
  response: Promise<Response>;
}

function takeEarlyRequest(url: string, init: RequestInit): Promise<Response> | null {
  const holder = window as unknown as { unitcostEarly?: EarlyRequest };
  const early = holder.unitcostEarly;
  if (!early || early.url !== url || init.method !== 'GET') return null;
  // Used once: a later visit to the same view (after a filter change and back) asks the server again.
  delete holder.unitcostEarly;
  return early.response;
}

async function request<T>(url: string, init: RequestInit): Promise<T> {
  const key = apiKey();
  const headers = new Headers(init.headers);
  if (key) headers.set('Authorization', `Bearer ${key}`);
  const response = await (takeEarlyRequest(url, init) ?? fetch(url, { ...init, headers }));
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    throw new ApiError(response.status, 'bad_response', `the server answered ${response.status} with something other than JSON`);
  }
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string; field?: string } } | null)?.error;
    throw new ApiError(response.status, error?.code ?? 'error', error?.message ?? `the server answered ${response.status}`, error?.field);
  }
  return body as T;
}
