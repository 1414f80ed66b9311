import { randomBytes } from 'node:crypto';
import type { SqlDialect } from './sql-dialect.js';

/** A query and the statements it needs around it: scratch tables created before it runs and dropped after. */
export interface ChainedSql {
  setup: string[];
  sql: string;
  cleanup: string[];
}

/**
 * A query built as a chain of named relations, each reading the ones before: written once, spelled per
 * engine. DuckDB gets a CTE chain (`WITH a AS (…), b AS MATERIALIZED (…) SELECT …`). ClickHouse 18.16 has
 * no CTEs of subqueries, and nesting each relation where it is read repeats it at every reader (revenue
 * attribution grew past 50,000 AST nodes and scanned the events a dozen times): so each relation is
 * computed once into a scratch Memory table of its own, read by name, and dropped when the query is done.
 */
export class RelationChain {
  private readonly relations: Array<{ name: string; table: string; sql: string; materialized: boolean }> = [];
  private readonly prefix = `scratch_${randomBytes(6).toString('hex')}_`;

  constructor(private readonly dialect: SqlDialect) {}

  /** Adds a relation that later relations and the final select can read through `from`. */
  add(name: string, sql: string, options: { materialized?: boolean } = {}): this {
    if (this.relations.some((relation) => relation.name === name)) throw new Error(`relation ${name} is defined twice`);
    if (!/^[a-z_]+$/.test(name)) throw new Error(`not a plain relation name: ${name}`);
    this.relations.push({ name, table: this.dialect.namedRelations ? name : `${this.prefix}${name}`, sql, materialized: options.materialized ?? false });
    return this;
  }

  /** A relation as a FROM or JOIN item, under an alias. */
  from(name: string, alias: string): string {
    return `${this.source(name)} AS ${alias}`;
  }

  /** A relation's name where a table name goes. */
  source(name: string): string {
    const relation = this.relations.find((candidate) => candidate.name === name);
    if (!relation) throw new Error(`relation ${name} is not defined`);
    return relation.table;
  }

  /** The whole query: the chain and the final select that reads it, with the scratch tables it needs. */
  query(select: string): ChainedSql {
    if (!this.dialect.namedRelations) {
      return {
        setup: this.relations.map((relation) => this.dialect.createScratchTable(relation.table, relation.sql)),
        sql: select,
        cleanup: this.relations.map((relation) => this.dialect.dropScratchTable(relation.table)).reverse(),
      };
    }
    const sql = this.relations.length === 0 ? select : `WITH ${this.relations.map((relation) => `${relation.name} AS ${relation.materialized ? 'MATERIALIZED ' : ''}(${relation.sql})`).join(',\n')}\n${select}`;
    return { setup: [], sql, cleanup: [] };
  }
}

/** A chained query on an engine that needs no scratch tables (DuckDB), as plain SQL. */
export function plainSql(query: ChainedSql): string {
  if (query.setup.length > 0) throw new Error('this query needs scratch tables; run it with its setup and cleanup');
  return query.sql;
}
