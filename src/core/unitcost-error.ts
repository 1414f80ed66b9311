const marker = Symbol.for('unitcost.error');

/** Why an operation failed, in words a surface can map to an HTTP status or an exit code. */
export type UnitcostErrorCode =
  | 'invalid_argument'
  | 'invalid_config'
  | 'unknown_model'
  | 'unpriced'
  | 'not_found'
  // The HTTP surface's refusals; the server maps each to its status in one place.
  | 'unauthenticated'
  | 'forbidden'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'not_implemented'
  | 'internal';

/** The one error type of unitcost: a code for the edge to map, a message for the user, and where the input was wrong. */
export class UnitcostError extends Error {
  readonly [marker] = true;
  override readonly name = 'UnitcostError';

  constructor(
    readonly code: UnitcostErrorCode,
    message: string,
    readonly details: { field?: string; file?: string; line?: number; suggestions?: string[] } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** True for any UnitcostError, even one created by another copy of this module. */
  static isInstance(value: unknown): value is UnitcostError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[marker] === true;
  }
}
