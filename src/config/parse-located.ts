import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { UnitcostError } from '../core/unitcost-error.js';

/** One problem in a config or scenario file, located for the user. */
export interface LocatedIssue {
  file: string;
  line: number;
  field: string;
  message: string;
}

/**
 * Parses YAML or JSON text and validates it, so that every error names the file, the line and the field:
 * a user fixing a 200-line scenario should not have to hunt for "expected number".
 */
export function parseLocated<Schema extends z.ZodType>(text: string, file: string, schema: Schema): z.infer<Schema> {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    const issues = document.errors.map((error) => ({
      file,
      line: error.linePos?.[0]?.line ?? 1,
      field: '(syntax)',
      message: error.message.split('\n')[0] ?? error.message,
    }));
    throw locatedError(issues);
  }
  const result = schema.safeParse(document.toJS() ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    file,
    line: lineOf(document, lineCounter, issue.path),
    field: fieldName(issue.path),
    message: issue.message,
  }));
  throw locatedError(issues);
}

/** The line of the deepest node that exists along a path; a missing field points at its parent. */
export function lineOf(document: Document, lineCounter: LineCounter, path: ReadonlyArray<PropertyKey>): number {
  for (let length = path.length; length >= 0; length -= 1) {
    const node = document.getIn(path.slice(0, length) as unknown[], true);
    if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
  }
  return 1;
}

function fieldName(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return '(top level)';
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`)).join('');
}

function locatedError(issues: LocatedIssue[]): UnitcostError {
  const first = issues[0]!;
  const lines = issues.map((issue) => `${issue.file}:${issue.line}: ${issue.field}: ${issue.message}`);
  return new UnitcostError('invalid_config', lines.join('\n'), { file: first.file, line: first.line, field: first.field });
}
