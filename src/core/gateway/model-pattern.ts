// Patterns come from the config, so there are few of them; each is compiled once.
const compiled = new Map<string, RegExp>();

/**
 * Whether a model id matches a config pattern: `*` stands for any characters (a bare `*` for any model),
 * everything else matches exactly, case-insensitively, since providers spell ids in one case but people do not.
 */
export function matchesModelPattern(pattern: string, model: string): boolean {
  let expression = compiled.get(pattern);
  if (expression === undefined) {
    const source = pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    expression = new RegExp(`^${source}$`, 'i');
    compiled.set(pattern, expression);
  }
  return expression.test(model);
}
