import type { ReconcileProvider } from '../../core/reconcile/provider-report.js';
import { UnitcostError } from '../../core/unitcost-error.js';
import { readPages, type LoadedReport } from './admin-report-sources.js';

/** Where each provider's admin API lives, and the variable its admin key is read from by default. */
export const adminApiDefaults: Record<ReconcileProvider, { baseUrl: string; keyEnv: string }> = {
  openai: { baseUrl: 'https://api.openai.com', keyEnv: 'OPENAI_ADMIN_KEY' },
  anthropic: { baseUrl: 'https://api.anthropic.com', keyEnv: 'ANTHROPIC_ADMIN_KEY' },
};

export interface PullOptions {
  provider: ReconcileProvider;
  /** [fromMs, toMs): whole UTC days. */
  fromMs: number;
  toMs: number;
  adminKey: string;
  baseUrl?: string;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Attempts per page when rate-limited or failing (default 5). */
  maxAttempts?: number;
  onPage?: (endpoint: string, page: number) => void;
}

/**
 * Pulls a window's usage and cost reports from the provider's admin API, page by page (next_page until
 * has_more is false), waiting out a 429 as its retry-after says. Only reads: the admin key is sent to the
 * provider and nowhere else, and never printed.
 */
export async function pullAdminReports(options: PullOptions): Promise<LoadedReport[]> {
  const base = (options.baseUrl ?? adminApiDefaults[options.provider].baseUrl).replace(/\/+$/, '');
  const days = Math.max(1, Math.ceil((options.toMs - options.fromMs) / 86_400_000));
  const requests = options.provider === 'openai' ? openaiRequests(options, days) : anthropicRequests(options, days);
  const reports: LoadedReport[] = [];
  for (const request of requests) {
    const pages = await pullPages(base, request, options);
    reports.push(readPages(options.provider, pages, `${options.provider} ${request.path}`));
  }
  return reports;
}

interface PageRequest {
  path: string;
  query: Array<[string, string]>;
  headers: Record<string, string>;
}

function openaiRequests(options: PullOptions, days: number): PageRequest[] {
  const headers = { authorization: `Bearer ${options.adminKey}` };
  const window: Array<[string, string]> = [
    ['start_time', String(Math.floor(options.fromMs / 1000))],
    ['end_time', String(Math.floor(options.toMs / 1000))],
    ['bucket_width', '1d'],
    // A page holds at most 31 daily buckets; the window is asked in as few pages as that allows.
    ['limit', String(Math.min(days, 31))],
  ];
  return [
    { path: '/v1/organization/usage/completions', query: [...window, ['group_by', 'model']], headers },
    { path: '/v1/organization/usage/embeddings', query: [...window, ['group_by', 'model']], headers },
    { path: '/v1/organization/costs', query: [...window.filter(([name]) => name !== 'limit'), ['limit', String(Math.min(days, 180))], ['group_by', 'line_item']], headers },
  ];
}

function anthropicRequests(options: PullOptions, days: number): PageRequest[] {
  const headers = { 'x-api-key': options.adminKey, 'anthropic-version': '2023-06-01' };
  const window: Array<[string, string]> = [
    ['starting_at', new Date(options.fromMs).toISOString()],
    ['ending_at', new Date(options.toMs).toISOString()],
    ['bucket_width', '1d'],
    ['limit', String(Math.min(days, 31))],
  ];
  return [
    { path: '/v1/organizations/usage_report/messages', query: [...window, ['group_by[]', 'model']], headers },
    { path: '/v1/organizations/cost_report', query: [...window.filter(([name]) => name !== 'bucket_width'), ['group_by[]', 'description']], headers },
  ];
}

async function pullPages(base: string, request: PageRequest, options: PullOptions): Promise<unknown[]> {
  const call = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const maxAttempts = options.maxAttempts ?? 5;
  const pages: unknown[] = [];
  let cursor: string | null = null;
  for (;;) {
    const url = new URL(`${base}${request.path}`);
    for (const [name, value] of request.query) url.searchParams.append(name, value);
    if (cursor !== null) url.searchParams.set('page', cursor);
    let body: { has_more?: unknown; next_page?: unknown } | undefined;
    for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
      let response: Response;
      try {
        response = await call(url, { headers: request.headers });
      } catch (error) {
        if (attempt === maxAttempts) throw new UnitcostError('invalid_argument', `cannot reach ${base}: ${(error as Error).message}`, { field: '--admin-base-url' });
        await sleep(1000 * 2 ** (attempt - 1));
        continue;
      }
      if (response.status === 429 || response.status >= 500) {
        if (attempt === maxAttempts) throw new UnitcostError('invalid_argument', `${options.provider}'s admin API still answered ${response.status} on ${request.path} after ${maxAttempts} attempts; try again later`, { field: 'admin_api' });
        const retryAfter = Number(response.headers.get('retry-after'));
        await sleep(Number.isFinite(retryAfter) && retryAfter >= 0 ? Math.min(retryAfter * 1000, 60_000) : 1000 * 2 ** (attempt - 1));
        continue;
      }
      if (response.status === 401 || response.status === 403) {
        throw new UnitcostError(
          'invalid_argument',
          `${options.provider}'s admin API refused the key (${response.status}) on ${request.path}: these reports need an admin key (${adminApiDefaults[options.provider].keyEnv}), not a project or API key`,
          { field: 'admin_key' },
        );
      }
      if (!response.ok) {
        const text = await response.text().catch(() => '');
        throw new UnitcostError('invalid_argument', `${options.provider}'s admin API answered ${response.status} on ${request.path}: ${text.slice(0, 300)}`, { field: 'admin_api' });
      }
      body = (await response.json()) as typeof body;
      break;
    }
    pages.push(body);
    options.onPage?.(request.path, pages.length);
    if (body?.has_more !== true || typeof body.next_page !== 'string' || body.next_page === '') return pages;
    cursor = body.next_page;
  }
}
