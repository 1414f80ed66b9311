import { outcomeRecordSchema, usageEventSchema } from '../../core/events/usage-event.js';

/*
 * The SQL of the JSON-lines fast path: DuckDB parses each line, checks the common case of the usage
 * event and the task outcome, and derives every value the JavaScript path would store: the canonical
 * content (canonical-content.ts), its SHA-256 in base64url (src/ingest/hash-content.ts) as the content
 * hash and the id of records without one, and the token classes. Whatever it is not sure to read exactly
 * as JavaScript does is not refused here but routed to the JavaScript path, which has the last word and
 * writes the messages (with file, line and field): invalid JSON, a wrong type or value, escapes in
 * strings, numbers JavaScript would print differently, timestamps other than "…T…Z", raw provider usage
 * objects, revenue records. So this SQL may route too much, never accept what JavaScript refuses.
 *
 * Strings are compared by their JSON text as DuckDB's JSON reader writes it back: a string without a
 * backslash has no escape, so its text is exactly JSON.stringify of its value. A number is accepted when
 * its text is plain digits (at most 15 significant ones, without an exponent or a trailing zero after the
 * point, and not below 1e-6): the text then is what String(number) prints in JavaScript.
 */

/** The JSON fields read from each line: every field of a usage event and of an outcome. */
const fields = [...new Set([...Object.keys(usageEventSchema.shape), ...Object.keys(outcomeRecordSchema.shape)])];
const structure = `{${fields.map((field) => `"${field}":"JSON"`).join(',')}}`;
// The fields' JSON texts as VARCHAR, so that they are compared and cut as text.
const textStruct = `STRUCT(${fields.map((field) => `${field} VARCHAR`).join(', ')})`;

const field = (name: string): string => `r.${name}`;
const absent = (name: string): string => `${field(name)} IS NULL`;

// A string field's JSON text: 1 to 512 characters (bytes, which are at least as many as UTF-16 units) and no escape.
const tagText = (text: string): string => `(${text}[1] = '"' AND strlen(${text}) BETWEEN 3 AND 514 AND NOT contains(${text}, '\\'))`;
const isTag = (name: string): string => tagText(field(name));
const isCount = (name: string): string => `regexp_full_match(${field(name)}, '[0-9]{1,10}')`;
const isWhole = (name: string): string => `regexp_full_match(${field(name)}, '[0-9]{1,15}')`;
// A non-negative number whose text JavaScript prints the same (see above).
const plainNumber = (text: string): string =>
  `(strlen(${text}) <= 16 AND regexp_full_match(${text}, '(0|[1-9][0-9]*)(\\.[0-9]*[1-9])?') AND NOT starts_with(${text}, '0.000000'))`;
const isNumber = (name: string): string => plainNumber(field(name));
const isOneOf = (name: string, values: string[]): string => `${field(name)} IN (${values.map((value) => `'"${value}"'`).join(', ')})`;
const optional = (name: string, check: string): string => `(${absent(name)} OR ${check})`;

// Timestamps as "YYYY-MM-DDThh:mm:ss[.fff…]Z" only; JavaScript reads every other form.
const timestampOk = `(regexp_full_match(r.timestamp, '"[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?Z"'))`;
/** Milliseconds since the epoch, fraction digits past the millisecond dropped (as parseTimestampMs does). */
const timestampMs = `(epoch_ms(TRY_CAST(substr(r.timestamp, 2, 19) AS TIMESTAMP)) + CASE WHEN substr(r.timestamp, 21, 1) = '.' THEN CAST(rpad(substr(regexp_extract(r.timestamp, '\\.([0-9]+)', 1), 1, 3), 3, '0') AS BIGINT) ELSE 0 END)`;

// Attributes: a flat object of plain ASCII keys (no digits-only keys, which JavaScript orders first) and
// values that are strings without escapes, plain numbers, booleans or null. Its text is then both
// JSON.stringify of the parsed object (what is stored) and, sorted without nulls, its canonical form.
const attributeEntries = `CASE WHEN r.attributes[1] = '{' THEN CAST(json_transform(r.attributes, '"MAP(VARCHAR, JSON)"') AS MAP(VARCHAR, VARCHAR)) END`;
const attributeValueOk = (value: string): string => `(${value} IS NULL OR ${value} IN ('true', 'false') OR ${tagText(value)} OR ${value} = '""' OR ${plainNumber(value)})`;
const attributesOk = `(r.attributes IS NULL OR (r.attributes[1] = '{' AND NOT contains(r.attributes, '\\') AND a.entries IS NOT NULL
  AND len(list_distinct(map_keys(a.entries))) = cardinality(a.entries)
  AND list_bool_and(list_transform(map_entries(a.entries), entry -> regexp_full_match(entry.key, '[A-Za-z_][A-Za-z0-9_.:/-]{0,63}') AND entry.key <> '__proto__' AND ${attributeValueOk('entry.value')}))))`;
const attributesCanonical = `CASE WHEN r.attributes IS NULL THEN NULL ELSE '{' || array_to_string(list_transform(list_filter(list_sort(map_entries(a.entries)), entry -> entry.value IS NOT NULL), entry -> '"' || entry.key || '":' || entry.value), ',') || '}' END`;

const hasKey = (name: string): string => `list_contains(keys, '${name}')`;
// type and schema_version may be left out but not null (JavaScript refuses null there).
const typeIs = (value: string | null): string => (value === null ? `(NOT ${hasKey('type')} OR r.type = '"usage"')` : `r.type = '"${value}"'`);
const schemaVersionOk = `(NOT ${hasKey('schema_version')} OR r.schema_version = '1')`;
// Every key known, none twice (JSON.parse keeps the last of a repeated key, DuckDB the first). A list
// literal here would be built again for every row (13 µs a line measured); a constant string is not.
const knownKeys = (names: readonly string[]): string =>
  `len(list_filter(keys, key -> NOT contains('|${names.join('|')}|', '|' || key || '|'))) = 0 AND len(list_distinct(keys)) = len(keys)`;

const usageFieldNames = Object.keys(usageEventSchema.shape);
const outcomeFieldNames = Object.keys(outcomeRecordSchema.shape);

const tagFields = ['id', 'provider', 'feature', 'team', 'user_tier', 'user_id', 'session_id', 'task_id', 'environment', 'retry_of'];
const countFields = ['input_tokens', 'cache_read_tokens', 'cache_write_tokens', 'cache_write_1h_tokens', 'input_audio_tokens', 'output_tokens', 'reasoning_tokens', 'output_audio_tokens'];
const count = (name: string): string => `coalesce(TRY_CAST(${field(name)} AS BIGINT), 0)`;

const usageOk = [
  typeIs(null),
  schemaVersionOk,
  knownKeys(usageFieldNames),
  timestampOk,
  isTag('model'),
  ...tagFields.map((name) => optional(name, isTag(name))),
  ...countFields.map((name) => optional(name, isCount(name))),
  `r.input_tokens IS NOT NULL AND r.output_tokens IS NOT NULL AND r.usage IS NULL AND r.usage_format IS NULL`,
  // The token classes are parts of the totals (usage-event.ts's refinement).
  `${count('cache_read_tokens')} + ${count('cache_write_tokens')} + ${count('input_audio_tokens')} <= ${count('input_tokens')}`,
  `${count('cache_write_1h_tokens')} <= ${count('cache_write_tokens')}`,
  `${count('reasoning_tokens')} + ${count('output_audio_tokens')} <= ${count('output_tokens')}`,
  optional('step', isWhole('step')),
  ...['latency_ms', 'time_to_first_token_ms', 'cost_usd'].map((name) => optional(name, isNumber(name))),
  optional('status', isOneOf('status', ['ok', 'error', 'timeout', 'cancelled'])),
  optional('response_cache', isOneOf('response_cache', ['hit', 'miss'])),
  attributesOk,
].join('\n    AND ');

const outcomeOk = [
  typeIs('outcome'),
  schemaVersionOk,
  knownKeys(outcomeFieldNames),
  timestampOk,
  isTag('task_id'),
  isOneOf('outcome', ['success', 'failure']),
  optional('feature', isTag('feature')),
  attributesOk,
].join('\n    AND ');

/** The value of a string field (its JSON text without the quotes). */
const text = (name: string): string => `${field(name)}[2:-2]`;

// The canonical content, keys in the order canonical-content.ts writes them (sorted, without id, type, schema_version).
const notContent = new Set(['id', 'type', 'schema_version']);
function canonicalSql(names: readonly string[]): string {
  const parts = names
    .filter((name) => !notContent.has(name))
    .sort()
    .map((name) => {
      const key = `'"${name}":'`;
      if (name === 'timestamp') return `${key} || ts_ms`;
      if (name === 'status') return `${key} || coalesce(r.status, '"ok"')`;
      if (name === 'attributes') return `${key} || (${attributesCanonical})`;
      return `${key} || ${field(name)}`;
    });
  return `'{' || concat_ws(',', ${parts.join(', ')}) || '}'`;
}

/** SHA-256 of a text, 132 bits of it in base64url: hashContent in src/ingest/hash-content.ts. */
export const contentHashSql = (canonical: string): string => `translate(to_base64(from_hex(sha256(${canonical})))[1:22], '+/', '-_')`;

/**
 * Parses the staged lines (line, text) into one row per line: its kind ('usage', 'outcome', or NULL for a
 * line JavaScript must read) and, for the first two, the values the stored row takes. Future timestamps
 * (more than a day after nowMs) are left to JavaScript, which refuses them.
 */
export function parseLinesSql(lines: string, target: string, nowMs: number): string {
  const future = Math.floor(nowMs) + 86_400_000;
  return `CREATE OR REPLACE TABLE ${target} AS
  WITH parsed AS (
    SELECT line, CAST(json_transform(text, '${structure}') AS ${textStruct}) AS r, json_keys(text) AS keys
    FROM ${lines} WHERE text <> '' AND text <> chr(13) AND json_valid(text) AND ltrim(text, ' ' || chr(9))[1] = '{'
      -- DuckDB's reader accepts a trailing comma, which JSON.parse refuses (NaN and Infinity fail every check below).
      AND NOT regexp_matches(text, ',[ \\t\\r\\n]*[}\\]]')
  ), checked AS (
    SELECT line, r, keys, ${timestampMs} AS ts_ms, ${attributeEntries} AS entries
    FROM parsed
  ), kinds AS (
    SELECT line, r, keys, ts_ms, entries,
      CASE WHEN r IS NULL OR keys IS NULL OR ts_ms IS NULL OR ts_ms > ${future} THEN NULL
           WHEN (${usageOk.replaceAll('a.entries', 'entries')}) THEN 'usage'
           WHEN (${outcomeOk.replaceAll('a.entries', 'entries')}) THEN 'outcome' END AS kind
    FROM checked
  )
  SELECT line, kind, ts_ms, r, entries AS a_entries FROM kinds`;
}

/**
 * The usage rows (before pricing) of the parsed lines whose kind is 'usage', with their content hash.
 * Casts are TRY_CASTs: the values are checked already, but DuckDB may cast before it filters by kind.
 */
export function usageRowsSql(parsed: string, target: string): string {
  const canonical = canonicalSql(usageFieldNames).replaceAll('a.entries', 'a_entries');
  return `CREATE OR REPLACE TABLE ${target} AS
  SELECT line, content_hash, coalesce(id, content_hash) AS id, * EXCLUDE (line, content_hash, id) FROM (
    SELECT line, ${contentHashSql(canonical)} AS content_hash,
      ${text('id')} AS id, ts_ms, ${text('provider')} AS provider, ${text('model')} AS model,
      TRY_CAST(r.input_tokens AS BIGINT) AS input_tokens, ${count('cache_read_tokens')} AS cache_read_tokens,
      ${count('cache_write_tokens')} - ${count('cache_write_1h_tokens')} AS cache_write_5m_tokens, ${count('cache_write_1h_tokens')} AS cache_write_1h_tokens,
      TRY_CAST(r.output_tokens AS BIGINT) AS output_tokens, ${count('reasoning_tokens')} AS reasoning_tokens,
      ${count('input_audio_tokens')} AS input_audio_tokens, ${count('output_audio_tokens')} AS output_audio_tokens,
      ${text('feature')} AS feature, ${text('team')} AS team, ${text('user_tier')} AS user_tier, ${text('user_id')} AS user_id,
      ${text('session_id')} AS session_id, ${text('task_id')} AS task_id, TRY_CAST(r.step AS INTEGER) AS step, ${text('environment')} AS environment,
      TRY_CAST(r.attributes AS VARCHAR) AS attributes, coalesce(${text('status')}, 'ok') AS status, ${text('retry_of')} AS retry_of,
      TRY_CAST(r.latency_ms AS DOUBLE) AS latency_ms, TRY_CAST(r.time_to_first_token_ms AS DOUBLE) AS time_to_first_token_ms,
      ${text('response_cache')} AS response_cache, TRY_CAST(r.cost_usd AS DOUBLE) AS reported_cost_usd
    FROM ${parsed} WHERE kind = 'usage'
  )`;
}

/** A SELECT of the outcome rows (line, task_id, outcome, ts_ms, feature, content_hash) of the parsed lines whose kind is 'outcome'. */
export function outcomeRowsSelect(parsed: string): string {
  const canonical = canonicalSql(outcomeFieldNames).replaceAll('a.entries', 'a_entries');
  return `SELECT line, ${text('task_id')} AS task_id, ${text('outcome')} AS outcome, ts_ms, ${text('feature')} AS feature, ${contentHashSql(canonical)} AS content_hash
  FROM ${parsed} WHERE kind = 'outcome'`;
}
