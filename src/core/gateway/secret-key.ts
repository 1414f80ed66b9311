/**
 * A provider key held so that it cannot reach a log by accident: its value is a private field, which
 * JSON.stringify, pino and util.inspect do not print, and it serializes as "[redacted]". Only the code
 * that sets the upstream header calls reveal().
 */
export class SecretKey {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The key itself, for the one header that carries it upstream. */
  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return '[redacted]';
  }

  toString(): string {
    return '[redacted]';
  }
}
