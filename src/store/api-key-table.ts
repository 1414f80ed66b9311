/** An API key as a store keeps it: the SHA-256 of the key, never the key. */
export interface StoredApiKey {
  id: string;
  name: string;
  scope: string;
  /** The SHA-256 of the whole key, as 64 hex digits. */
  hashHex: string;
  /** ISO instants. */
  createdAt: string;
  revokedAt: string | null;
}

/**
 * Where `unitcost serve` keeps its API keys: a small table read whole when the server starts (checking a
 * request is then a map look-up, never a query), written when a key is made or revoked.
 */
export interface ApiKeyTable {
  /**
   * Whether other processes may make or revoke keys meanwhile: true for a ClickHouse database that several
   * servers and the CLI share, false for a DuckDB file, which one process holds at a time.
   */
  readonly shared: boolean;
  /** Every key, revoked ones included, oldest first. */
  keys(): Promise<StoredApiKey[]>;
  /** Stores a new key as given (revoked already, when copied from another store). */
  insertKey(key: StoredApiKey): Promise<void>;
  /** Marks a key revoked at this instant. */
  revokeKey(id: string, revokedAt: string): Promise<void>;
}
