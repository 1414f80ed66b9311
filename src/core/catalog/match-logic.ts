import type { MatchLogic } from '@pydantic/genai-prices';

const compiledPatterns = new Map<string, RegExp>();

/** Whether a lower-cased model or provider name satisfies one of the price data's match rules. */
export function matchesLogic(logic: MatchLogic, name: string): boolean {
  if ('or' in logic) return logic.or.some((inner) => matchesLogic(inner, name));
  if ('and' in logic) return logic.and.every((inner) => matchesLogic(inner, name));
  if ('equals' in logic) return name === logic.equals.toLowerCase();
  if ('starts_with' in logic) return name.startsWith(logic.starts_with.toLowerCase());
  if ('ends_with' in logic) return name.endsWith(logic.ends_with.toLowerCase());
  if ('contains' in logic) return name.includes(logic.contains.toLowerCase());
  if ('regex' in logic) {
    let pattern = compiledPatterns.get(logic.regex);
    if (!pattern) {
      pattern = new RegExp(logic.regex);
      compiledPatterns.set(logic.regex, pattern);
    }
    return pattern.test(name);
  }
  return false;
}
