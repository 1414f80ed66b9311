import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { UnitcostError } from '../core/unitcost-error.js';
import type { ApiKeyTable } from '../store/api-key-table.js';

/** What a key may do: send events, read reports, or both and manage keys. */
export const keyScopes = ['ingest', 'read', 'admin'] as const;
/** One scope. */
export type KeyScope = (typeof keyScopes)[number];

/** A key as listed: never its secret nor its hash. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  scope: KeyScope;
  createdAt: string;
  revokedAt: string | null;
}

/** Who a request is, once its key is checked. */
export interface KeyIdentity {
  id: string;
  name: string;
  scope: KeyScope;
}

interface KeyRow extends ApiKeyRecord {
  hash: Buffer;
}

/** Runs store work one task at a time; on DuckDB, keys share the store's single writing connection. */
export type Serialize = <T>(task: () => Promise<T>) => Promise<T>;

// uck_<10 hex id>_<32 random bytes, base64url>: the id finds the row, the secret proves the holder.
const keyPattern = /^uck_([0-9a-f]{10})_([A-Za-z0-9_-]{43})$/;
const namePattern = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;
// Compared against when no row matches, so a wrong id costs the same time as a wrong secret.
const decoyHash = sha256('uck_0000000000_decoy-never-a-real-key-0000000000000000000000');

/**
 * The API keys of `unitcost serve`, kept in the store as SHA-256 hashes of high-entropy random keys
 * (a slow password hash buys nothing against 256 random bits). The table is small and read once, so
 * checking a request is a map look-up and a constant-time comparison, never a query.
 */
export class ApiKeys {
  private constructor(
    private readonly table: ApiKeyTable,
    private readonly serialize: Serialize,
    private readonly now: () => Date,
    private readonly rows: Map<string, KeyRow>,
  ) {}

  /** Reads every key of the store. */
  static async load(table: ApiKeyTable, options: { serialize?: Serialize; now?: () => Date } = {}): Promise<ApiKeys> {
    const serialize: Serialize = options.serialize ?? ((task) => task());
    return new ApiKeys(table, serialize, options.now ?? (() => new Date()), await readRows(table, serialize));
  }

  /** Whether other processes may make or revoke keys meanwhile (a shared ClickHouse database): a server then reloads them. */
  get shared(): boolean {
    return this.table.shared;
  }

  /** Reads the keys again, taking in those made or revoked by other servers or the CLI since. */
  async reload(): Promise<void> {
    const fresh = await readRows(this.table, this.serialize);
    this.rows.clear();
    for (const [id, row] of fresh) this.rows.set(id, row);
  }

  /** Makes a key; the returned secret is shown once and never stored. */
  async create(name: string, scope: string): Promise<{ key: string; record: ApiKeyRecord }> {
    if (!namePattern.test(name)) {
      throw new UnitcostError('invalid_argument', `a key name is 1 to 64 letters, digits, spaces, dots, dashes or underscores, starting with a letter or digit (got "${name}")`, { field: 'name' });
    }
    if (!(keyScopes as readonly string[]).includes(scope)) {
      throw new UnitcostError('invalid_argument', `scope must be one of ${keyScopes.join(', ')} (got "${scope}")`, { field: 'scope' });
    }
    if (this.active().some((row) => row.name === name)) {
      throw new UnitcostError('invalid_argument', `an active key is already named "${name}"; revoke it or choose another name`, { field: 'name' });
    }
    let id: string;
    do id = randomBytes(5).toString('hex');
    while (this.rows.has(id));
    const key = `uck_${id}_${randomBytes(32).toString('base64url')}`;
    const createdAt = this.now().toISOString();
    const row: KeyRow = { id, name, scope: scope as KeyScope, hash: sha256(key), createdAt, revokedAt: null };
    await this.serialize(() => this.table.insertKey({ id, name, scope, hashHex: row.hash.toString('hex'), createdAt, revokedAt: null }));
    this.rows.set(id, row);
    return { key, record: publicRecord(row) };
  }

  /** Every key, revoked ones included, oldest first. */
  list(): ApiKeyRecord[] {
    return [...this.rows.values()].map(publicRecord);
  }

  /** Whether any key can still be used: with none, the server only listens on loopback. */
  hasActiveKeys(): boolean {
    return this.active().length > 0;
  }

  /** Revokes a key by id or by the name of an active key; revoking twice is harmless. */
  async revoke(idOrName: string): Promise<ApiKeyRecord> {
    const row = this.rows.get(idOrName) ?? this.active().find((candidate) => candidate.name === idOrName);
    if (!row) throw new UnitcostError('not_found', `no key has the id or active name "${idOrName}"; \`unitcost keys list\` shows them`, { field: 'key' });
    if (row.revokedAt !== null) return publicRecord(row);
    const revokedAt = this.now().toISOString();
    await this.serialize(() => this.table.revokeKey(row.id, revokedAt));
    row.revokedAt = revokedAt;
    return publicRecord(row);
  }

  /**
   * Who holds this key, or null for a key that is malformed, unknown or revoked — alike, and in the same
   * time, so that an answer never tells whether a key exists.
   */
  verify(key: string): KeyIdentity | null {
    const match = keyPattern.exec(key);
    const row = match ? this.rows.get(match[1]!) : undefined;
    const matches = timingSafeEqual(sha256(key), row?.hash ?? decoyHash);
    if (!matches || !row || row.revokedAt !== null) return null;
    return { id: row.id, name: row.name, scope: row.scope };
  }

  private active(): KeyRow[] {
    return [...this.rows.values()].filter((row) => row.revokedAt === null);
  }
}

/** Whether a key of this scope may do what needs the other: admin may do anything, ingest and read only their own. */
export function scopeAllows(held: KeyScope, needed: KeyScope): boolean {
  return held === 'admin' || held === needed;
}

async function readRows(table: ApiKeyTable, serialize: Serialize): Promise<Map<string, KeyRow>> {
  const rows = new Map<string, KeyRow>();
  for (const key of await serialize(() => table.keys())) {
    rows.set(key.id, { id: key.id, name: key.name, scope: key.scope as KeyScope, hash: Buffer.from(key.hashHex, 'hex'), createdAt: key.createdAt, revokedAt: key.revokedAt });
  }
  return rows;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function publicRecord(row: KeyRow): ApiKeyRecord {
  return { id: row.id, name: row.name, scope: row.scope, createdAt: row.createdAt, revokedAt: row.revokedAt };
}
