import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { Hono } from 'hono';
import type { ServerServices } from '../../app/server-types.js';
import { UnitcostError } from '../../core/unitcost-error.js';
import { encodeOtlpError, encodeTraceResponse, MalformedTraceRequest, otlpEncodingOf, type OtlpEncoding } from '../../ingest/otlp/decode-otlp-traces.js';
import type { BatchLimits } from '../read-event-body.js';
import { readLimitedBody } from '../read-limited-body.js';
import { requireScope, type AccessPolicy, type AccessVariables } from '../require-scope.js';

const gunzipAsync = promisify(gunzip);
// google.rpc.Code INVALID_ARGUMENT, the code OTLP/HTTP puts in a 400's Status body.
const invalidArgument = 3;

/**
 * POST /v1/traces: the OTLP/HTTP trace receiver, protobuf or JSON, gzipped or not. GenAI call spans are
 * stored as usage events (answered once committed); spans refused are counted in partialSuccess with
 * their ids and reasons, and everything valid in the same export is kept. A body that is not an
 * ExportTraceServiceRequest at all is a 400 with a google.rpc.Status in the request's encoding.
 */
export function otlpRoutes(services: ServerServices, policy: AccessPolicy, limits: BatchLimits): Hono<{ Variables: AccessVariables }> {
  const routes = new Hono<{ Variables: AccessVariables }>();
  routes.post('/v1/traces', requireScope('ingest', policy), async (context) => {
    const encoding = otlpEncodingOf(context.req.header('content-type') ?? null);
    if (!encoding) {
      throw new UnitcostError('unsupported_media_type', 'OTLP/HTTP traces are application/x-protobuf or application/json', { field: 'content-type' });
    }
    const contentEncoding = (context.req.header('content-encoding') ?? 'identity').trim().toLowerCase();
    if (contentEncoding !== 'identity' && contentEncoding !== 'gzip') {
      throw new UnitcostError('unsupported_media_type', `content encoding "${contentEncoding}" is not accepted: send the body as is or gzip it`, { field: 'content-encoding' });
    }
    const raw = await readLimitedBody(context.req.raw, limits.maxBodyBytes, '; lower the exporter\'s batch size');
    const identity = context.get('identity');
    let result;
    try {
      const body = contentEncoding === 'gzip' ? await inflate(raw, limits.maxDecodedBytes) : raw;
      result = await services.ingestTraces(body, encoding, identity ? `otlp:${identity.name}` : 'otlp');
    } catch (error) {
      if (error instanceof MalformedTraceRequest) return otlpError(400, error.message, encoding);
      throw error;
    }
    const answer = encodeTraceResponse(result.rejectedSpans, result.errorMessage, encoding);
    // The OTLP response has room only for refusals; what the other spans were is said in headers.
    const headers = {
      'Content-Type': answer.contentType,
      'X-Unitcost-Calls': String(result.calls),
      'X-Unitcost-Spans-Without-Usage': String(result.withoutUsage),
      'X-Unitcost-Spans-Not-GenAI': String(result.notGenAi),
    };
    return new Response(answer.body, { status: 200, headers });
  });
  return routes;
}

async function inflate(raw: Buffer, limit: number): Promise<Buffer> {
  try {
    return await gunzipAsync(raw, { maxOutputLength: limit });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      throw new UnitcostError('payload_too_large', `the body decompresses to more than ${limit.toLocaleString('en-US')} bytes; lower the exporter's batch size`, { field: 'body' });
    }
    throw new MalformedTraceRequest(`the body is not valid gzip: ${(error as Error).message}`);
  }
}

function otlpError(status: 400, message: string, encoding: OtlpEncoding): Response {
  const body = encodeOtlpError(invalidArgument, message, encoding);
  return new Response(body.body, { status, headers: { 'Content-Type': body.contentType } });
}
