import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { focusDownloadOver } from '../../app/governance/focus-export-service.js';
import type { ServerServices } from '../../app/server-types.js';
import { requireScope, type AccessPolicy, type AccessVariables } from '../require-scope.js';
import { strictQuery } from '../strict-query.js';

const contentTypes = { csv: 'text/csv; charset=utf-8', parquet: 'application/vnd.apache.parquet' } as const;

/**
 * GET /v1/export/focus: the file of `unitcost export focus` as a download. The export runs in the store's turn
 * (it reads the server's own open store), is written to a temporary file by the store (DuckDB's COPY, or ClickHouse's rows
 * as the same CSV), streamed, then deleted.
 */
export function focusRoutes(services: ServerServices, policy: AccessPolicy): Hono<{ Variables: AccessVariables }> {
  const routes = new Hono<{ Variables: AccessVariables }>();
  routes.get('/v1/export/focus', requireScope('read', policy), async (context) => {
    const query = strictQuery(context.req.url, { single: ['from', 'to', 'format', 'tags'], repeated: [] });
    const signal = context.req.raw.signal;
    const file = await services.readStore((store) => {
      // A download abandoned while it waited for its turn is not exported.
      signal.throwIfAborted();
      return focusDownloadOver(services.app, store, query.values);
    });
    let size: number;
    let stream: ReturnType<typeof createReadStream>;
    try {
      size = statSync(file.path).size;
      stream = createReadStream(file.path);
    } catch (error) {
      file.remove();
      throw error;
    }
    // Deleted once sent, or once the client goes away mid-download: a closed stream is the one signal of both.
    stream.once('close', () => file.remove());
    signal.addEventListener('abort', () => stream.destroy(), { once: true });
    return new Response(Readable.toWeb(stream) as ReadableStream<Uint8Array>, {
      status: 200,
      headers: {
        'Content-Type': contentTypes[file.format],
        'Content-Length': String(size),
        'Content-Disposition': `attachment; filename=${file.filename}`,
        // The figures to check the file by, without reading it: rows written and what they bill, exact.
        'X-Unitcost-Focus-Rows': String(file.rows),
        'X-Unitcost-Billed-Picodollars': file.billedPicodollars.toString(),
        'Cache-Control': 'no-store',
      },
    });
  });
  return routes;
}
