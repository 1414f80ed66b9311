/*
 * The what-if page's levers, as kept in the page's address, and the scenario they make for POST /v1/simulate
 * (the lever fields of docs/simulate.md). A lever left at its neutral value (share 0, no cap…) is not sent,
 * so an untouched page asks for the empty scenario: the baseline, with a zero delta.
 */

/** The levers' values, by their names in the address. */
export interface WhatIfInputs {
  /** A feature name, or '' for every feature. */
  feature: string;
  route_share: number;
  route_to: string;
  cache_prefix: number;
  cache_hit_rate: number;
  response_cache_hit_rate: number;
  /** Output tokens per call; 0 is no cap. */
  output_cap: number;
  trim_share: number;
  /** The batch API's discount, 0–1; 0 is off. Batched answers arrive within 24 hours, not at once. */
  batch_discount: number;
}

/** Each lever input's name and its neutral value. */
export const whatIfDefaults: WhatIfInputs = {
  feature: '',
  route_share: 0,
  route_to: '',
  cache_prefix: 0,
  cache_hit_rate: 0.7,
  response_cache_hit_rate: 0,
  output_cap: 0,
  trim_share: 0,
  batch_discount: 0,
};

/** Reads the levers from the page's query; a value that is not a number falls back to the neutral one. */
export function whatIfInputsOf(query: URLSearchParams): WhatIfInputs {
  const number = (name: keyof WhatIfInputs): number => {
    const text = query.get(name);
    const value = text === null || text.trim() === '' ? Number.NaN : Number(text);
    return Number.isFinite(value) ? value : (whatIfDefaults[name] as number);
  };
  return {
    feature: query.get('feature') ?? '',
    route_share: number('route_share'),
    route_to: (query.get('route_to') ?? '').trim(),
    cache_prefix: number('cache_prefix'),
    cache_hit_rate: number('cache_hit_rate'),
    response_cache_hit_rate: number('response_cache_hit_rate'),
    output_cap: number('output_cap'),
    trim_share: number('trim_share'),
    batch_discount: number('batch_discount'),
  };
}

/** The scenario's levers (as in a scenario file) for these inputs. */
export function whatIfLevers(inputs: WhatIfInputs): Array<Record<string, Record<string, unknown>>> {
  const scope = inputs.feature === '' ? {} : { feature: inputs.feature };
  const levers: Array<Record<string, Record<string, unknown>>> = [];
  if (inputs.route_share > 0 && inputs.route_to !== '') levers.push({ route: { ...scope, share: inputs.route_share, to: inputs.route_to } });
  if (inputs.cache_prefix > 0) levers.push({ prompt_cache: { ...scope, prefix_tokens: Math.round(inputs.cache_prefix), hit_rate: inputs.cache_hit_rate } });
  if (inputs.response_cache_hit_rate > 0) levers.push({ response_cache: { ...scope, hit_rate: inputs.response_cache_hit_rate } });
  if (inputs.output_cap > 0) levers.push({ output_cap: { ...scope, max_tokens: Math.round(inputs.output_cap) } });
  if (inputs.trim_share > 0) levers.push({ prompt_trim: { ...scope, share: inputs.trim_share } });
  if (inputs.batch_discount > 0) levers.push({ price_change: { batch: { ...scope, discount: inputs.batch_discount } } });
  return levers;
}

/** The body of POST /v1/simulate: the scenario, and the time range when the address has one. */
export function whatIfRequest(inputs: WhatIfInputs, range: { from?: string | null; to?: string | null }): Record<string, unknown> {
  return {
    scenario: { name: 'what-if', levers: whatIfLevers(inputs) },
    ...(range.from ? { from: range.from } : {}),
    ...(range.to ? { to: range.to } : {}),
  };
}

/** A refusal of POST /v1/simulate as the page received it: the server's message and the scenario field it names. */
export interface SimulateRefusal {
  message: string;
  field?: string | undefined;
}

// The scenario fields the page fills, by their path under levers[i], with the label the form shows them under.
const fieldLabels: Record<string, string> = {
  'route.to': 'Target model',
  'route.share': 'Share of calls routed',
  'prompt_cache.prefix_tokens': 'Cacheable prefix',
  'prompt_cache.hit_rate': 'Prompt-cache hit rate',
  'response_cache.hit_rate': 'Response-cache hit rate',
  'output_cap.max_tokens': 'Max output tokens per call',
  'prompt_trim.share': 'Share of uncached input trimmed',
  'price_change.batch.discount': 'Batch discount',
};

/**
 * The sentence the what-if page shows for a refused scenario: the field in the form's own words
 * ("Share of calls routed must be between 0 and 1."), never the scenario's internals
 * ("scenario:6: levers[0].route.share: …"), which describe a file the reader never wrote.
 */
export function whatIfProblem(refusal: SimulateRefusal): string {
  const field = refusal.field ?? '';
  // The server's message is "scenario:LINE: FIELD: reason"; the reason is what the reader needs.
  const reason = refusal.message.replace(/^[^:]*:\d+: /, '').replace(/^(?:levers\[\d+\][\w.[\]]*|scenario[\w.[\]]*): /, '').trim();
  const lever = /^levers\[\d+\]\.(.+)$/.exec(field)?.[1];
  if (lever !== undefined && /(?:^|\.)feature$/.test(lever)) {
    const named = /feature "([^"]+)"/.exec(reason)?.[1];
    return named === undefined ? `Feature: ${sentence(reason)}` : `Feature: no calls of “${named}” were recorded in this time range. Choose another feature, or widen the range.`;
  }
  if (lever === 'route.to') {
    const named = /matches "([^"]+)"/.exec(reason)?.[1];
    if (named !== undefined) return `Target model: no model named “${named}” in the price catalog. Pick one from the list as you type (provider/model, e.g. openai/gpt-4o-mini).`;
  }
  const label = lever === undefined ? (field === 'from' || field === 'to' ? 'Time range' : undefined) : fieldLabels[lever];
  if (label === undefined) return `The scenario could not be replayed: ${sentence(reason.replace(/levers\[\d+\]\.?/g, ''))}`;
  return /^(?:must|is|needs)\b/.test(reason) ? `${label} ${sentence(reason)}` : `${label}: ${sentence(reason)}`;
}

function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
