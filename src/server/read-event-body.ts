import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { PostedBody } from '../app/server-types.js';
import { UnitcostError } from '../core/unitcost-error.js';
import { readLimitedBody } from './read-limited-body.js';

const gunzipAsync = promisify(gunzip);

/** How much one POST /v1/events may carry. */
export interface BatchLimits {
  /** Bytes on the wire, compressed or not. */
  maxBodyBytes: number;
  /** Bytes once decompressed: a small gzip body may inflate a thousandfold. */
  maxDecodedBytes: number;
  /** Records in one batch. */
  maxItems: number;
}

const jsonTypes = new Set(['application/json']);
const ndjsonTypes = new Set(['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines', 'application/jsonlines']);

/** The content types POST /v1/events accepts, for messages and the OpenAPI document. */
export const eventContentTypes = ['application/json', ...ndjsonTypes];

/**
 * Reads the body of a batch of records: a JSON array, or NDJSON (one JSON object a line), optionally gzipped.
 * Limits are checked before anything is parsed, so an oversized batch is refused whole (413) and nothing of it
 * is stored. Reading its records (posted-records.ts) refuses a malformed JSON array, an empty batch and one over
 * maxItems whole too; a malformed NDJSON line is one bad item.
 */
export async function readEventBody(request: Request, limits: BatchLimits): Promise<PostedBody> {
  const mediaType = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const isNdjson = ndjsonTypes.has(mediaType);
  if (!isNdjson && !jsonTypes.has(mediaType)) {
    throw new UnitcostError('unsupported_media_type', `content type ${mediaType === '' ? '(none)' : `"${mediaType}"`} is not accepted: send a JSON array as application/json or one record a line as application/x-ndjson`, { field: 'content-type' });
  }
  const encoding = (request.headers.get('content-encoding') ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip') {
    throw new UnitcostError('unsupported_media_type', `content encoding "${encoding}" is not accepted: send the body as is or gzip it`, { field: 'content-encoding' });
  }
  const raw = await readLimitedBody(request, limits.maxBodyBytes, '; split the batch');
  const body = encoding === 'gzip' ? await decompress(raw, limits.maxDecodedBytes) : raw;
  if (body.length > limits.maxDecodedBytes) throw tooLarge(`the body exceeds ${limits.maxDecodedBytes.toLocaleString('en-US')} bytes`);
  return { bytes: body, format: isNdjson ? 'ndjson' : 'json', maxItems: limits.maxItems };
}

async function decompress(raw: Buffer, limit: number): Promise<Buffer> {
  try {
    return await gunzipAsync(raw, { maxOutputLength: limit });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      throw tooLarge(`the body decompresses to more than ${limit.toLocaleString('en-US')} bytes; split the batch`);
    }
    throw new UnitcostError('invalid_argument', `the body is not valid gzip: ${(error as Error).message}`, { field: 'body' });
  }
}

function tooLarge(message: string): UnitcostError {
  return new UnitcostError('payload_too_large', message, { field: 'body' });
}
