/** Why an estimate cannot be made: a kind the edge maps to an exit code or a status. */
export type EstimateIssueCode = 'invalid_argument' | 'unknown_model' | 'unpriced';

/**
 * One thing wrong with an estimate's input, returned rather than thrown so that each surface can name the
 * field its own way: the CLI says "--cache-write", a scenario file says "features[1].cache_write" at line 14.
 */
export interface EstimateIssue {
  code: EstimateIssueCode;
  /** Which feature of a scenario the issue is in; absent for scenario-wide fields such as arpu. */
  feature?: number;
  /**
   * The field in logical terms: its first element is a key of fieldKeys, the rest is a sub-path such as
   * ["route", "gpt-5"] or ["prices", "input"].
   */
  path: Array<string | number>;
  /** Words with {field} placeholders (e.g. "{cached} exceeds {input}") that describeIssue fills in. */
  message: string;
  suggestions?: string[];
}

/** The logical names of every field an estimate reads, which each surface spells its own way. */
export const fieldKeys = [
  'model',
  'route',
  'prices',
  'input',
  'output',
  'cached',
  'cacheWrite',
  'cacheWrite1h',
  'reasoning',
  'calls',
  'contextGrowth',
  'maxSteps',
  'cachePrefix',
  'cacheHitRate',
  'sessionsPerMonth',
  'arpu',
  'activeUsers',
  'overheads',
  'maxCostShare',
  'minMargin',
] as const;

/** A logical field name. */
export type FieldKey = (typeof fieldKeys)[number];

/**
 * Renders an issue's message with a surface's names for the fields it mentions; a placeholder may name a
 * sub-field, as in "{prices.input}".
 */
export function describeIssue(issue: EstimateIssue, nameOf: (field: string) => string): string {
  return issue.message.replace(/\{(\w+(?:\.\w+)?)\}/g, (placeholder, field: string) =>
    (fieldKeys as readonly string[]).includes(field.split('.')[0]!) ? nameOf(field) : placeholder,
  );
}
