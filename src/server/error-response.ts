import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { UnitcostError, type UnitcostErrorCode } from '../core/unitcost-error.js';

/** Each error code's HTTP status: the one place a failure becomes a response. */
const statusOf: Record<UnitcostErrorCode, ContentfulStatusCode> = {
  invalid_argument: 400,
  // A scenario or body with located errors is bad input too; the server's own config fails at start, not here.
  invalid_config: 400,
  unknown_model: 404,
  unpriced: 422,
  not_found: 404,
  unauthenticated: 401,
  forbidden: 403,
  payload_too_large: 413,
  unsupported_media_type: 415,
  not_implemented: 501,
  internal: 500,
};

/** The JSON body of every error: a stable code, a message for people, and where the input was wrong. */
export interface ErrorBody {
  error: {
    code: UnitcostErrorCode;
    message: string;
    field?: string;
    line?: number;
    suggestions?: string[];
  };
}

/**
 * Turns anything thrown by a route into a response. A UnitcostError keeps its message; anything else is
 * unexpected, logged with its stack by the caller, and answered without internals.
 */
export function errorResponse(error: unknown, context: Context, onUnexpected: (error: unknown) => void): Response {
  if (UnitcostError.isInstance(error)) {
    const { field, line, suggestions } = error.details;
    const body: ErrorBody = {
      error: {
        code: error.code,
        message: error.message,
        ...(field === undefined ? {} : { field }),
        ...(line === undefined ? {} : { line }),
        ...(suggestions?.length ? { suggestions } : {}),
      },
    };
    if (error.code === 'unauthenticated') context.header('WWW-Authenticate', 'Bearer realm="unitcost"');
    if (error.code === 'internal') onUnexpected(error);
    return context.json(body, statusOf[error.code]);
  }
  // The client closed the connection and its queued read was dropped: no one reads this answer; 499 as nginx logs it.
  if (error instanceof Error && error.name === 'AbortError' && context.req.raw.signal.aborted) return new Response(null, { status: 499 });
  onUnexpected(error);
  const body: ErrorBody = { error: { code: 'internal', message: 'unexpected server error; the server log has the details' } };
  return context.json(body, 500);
}

/** The status an error code maps to, for the OpenAPI document. */
export function statusForCode(code: UnitcostErrorCode): number {
  return statusOf[code];
}
