import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/**
 * A stand-in for OpenAI's and Anthropic's admin APIs on loopback, speaking their wire format: pages of
 * daily buckets with has_more / next_page, the admin key in each provider's own header, and a 429 with
 * retry-after on the first request of each endpoint, as a rate-limited organization sees.
 */
export interface FakeAdminApi {
  url: string;
  /** Requests seen, as "METHOD path?query". */
  requests: string[];
  close(): Promise<void>;
}

export interface FakeAdminData {
  /** The key the fake accepts. */
  adminKey: string;
  /** Daily buckets per endpoint path, e.g. '/v1/organization/usage/completions'. */
  buckets: Record<string, unknown[]>;
  /** Buckets per page (default 7), so that a month takes several pages. */
  pageSize?: number;
  /** Answer the first request of each endpoint with 429 (default true). */
  rateLimitFirst?: boolean;
}

export async function startFakeAdminApi(data: FakeAdminData): Promise<FakeAdminApi> {
  const requests: string[] = [];
  const limited = new Set<string>();
  const pageSize = data.pageSize ?? 7;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    requests.push(`${request.method} ${url.pathname}${url.search}`);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    };
    const anthropic = url.pathname.startsWith('/v1/organizations/');
    const key = anthropic ? request.headers['x-api-key'] : request.headers.authorization?.replace(/^Bearer /, '');
    if (key !== data.adminKey) {
      if (anthropic) return send(401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } });
      return send(401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } });
    }
    if (anthropic && request.headers['anthropic-version'] === undefined) return send(400, { type: 'error', error: { type: 'invalid_request_error', message: 'anthropic-version header is required' } });
    const buckets = data.buckets[url.pathname];
    if (buckets === undefined) return send(404, { error: { message: `no route ${url.pathname}` } });
    if ((data.rateLimitFirst ?? true) && !limited.has(url.pathname)) {
      limited.add(url.pathname);
      return send(429, anthropic ? { type: 'error', error: { type: 'rate_limit_error', message: 'rate limited' } } : { error: { message: 'Rate limit reached' } }, { 'retry-after': '0' });
    }
    const offset = Number(url.searchParams.get('page')?.replace(/^page_/, '') ?? '0');
    const slice = buckets.slice(offset, offset + pageSize);
    const hasMore = offset + pageSize < buckets.length;
    const nextPage = hasMore ? `page_${offset + pageSize}` : null;
    send(200, anthropic ? { data: slice, has_more: hasMore, next_page: nextPage } : { object: 'page', data: slice, has_more: hasMore, next_page: nextPage });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
