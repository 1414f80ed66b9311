import { UnitcostError } from '../core/unitcost-error.js';

/**
 * Reads a request body up to a size, refusing it (413) as soon as it is declared or found larger, so a
 * chunked upload without Content-Length cannot fill memory before the check.
 */
export async function readLimitedBody(request: Request, limit: number, advice = ''): Promise<Buffer> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) throw tooLarge(`the body is ${declared.toLocaleString('en-US')} bytes, more than the ${limit.toLocaleString('en-US')} bytes one request may carry${advice}`);
  if (!request.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(`the body exceeds the ${limit.toLocaleString('en-US')} bytes one request may carry${advice}`);
    }
    chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  }
  return Buffer.concat(chunks, size);
}

function tooLarge(message: string): UnitcostError {
  return new UnitcostError('payload_too_large', message, { field: 'body' });
}
