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
