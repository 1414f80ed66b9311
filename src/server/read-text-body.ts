import { UnitcostError } from '../core/unitcost-error.js';
import { readLimitedBody } from './read-limited-body.js';

/** Reads a small request body as text, refusing other content types (415) and oversized bodies (413). */
export async function readTextBody(request: Request, options: { maxBytes: number; types: readonly string[]; what: string }): Promise<string> {
  const mediaType = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (!options.types.includes(mediaType)) {
    throw new UnitcostError('unsupported_media_type', `content type ${mediaType === '' ? '(none)' : `"${mediaType}"`} is not accepted here: send ${options.what} as ${options.types.join(' or ')}`, { field: 'content-type' });
  }
  const text = (await readLimitedBody(request, options.maxBytes)).toString('utf8');
  if (text.trim() === '') throw new UnitcostError('invalid_argument', `the body is empty: send ${options.what}`, { field: 'body' });
  return text;
}
