import type { Provider } from '@pydantic/genai-prices';

/**
 * A small price catalog in @pydantic/genai-prices' shape whose numbers never change, so catalog and cost
 * tests pin our semantics rather than today's prices.
 */
export const testProviders: Provider[] = [
  {
    id: 'acme',
    name: 'Acme AI',
    api_pattern: 'https://api\\.acme\\.test',
    model_match: { starts_with: 'acme-' },
    provider_match: { contains: 'acme' },
    models: [
      {
        id: 'acme-large',
        name: 'Acme Large',
        match: { or: [{ starts_with: 'acme-large' }, { equals: 'acme-l' }] },
        context_window: 1_000_000,
        prices: [
          {
            prices: {
              input_mtok: { base: 3, tiers: [{ start: 200_000, price: 6 }] },
              cache_read_mtok: { base: 0.3, tiers: [{ start: 200_000, price: 0.6 }] },
              cache_write_mtok: { base: 3.75, tiers: [{ start: 200_000, price: 7.5 }] },
              cache_write_1h_mtok: { base: 6, tiers: [{ start: 200_000, price: 12 }] },
              output_mtok: { base: 15, tiers: [{ start: 200_000, price: 22.5 }] },
            },
          },
          {
            constraint: { start_date: '2026-03-01', type: 'start_date' },
            prices: { input_mtok: 2, cache_read_mtok: 0.2, cache_write_mtok: 2.5, output_mtok: 10 },
          },
        ],
      },
      {
        id: 'acme-small-4-5',
        name: 'Acme Small 4.5',
        match: { starts_with: 'acme-small-4-5' },
        prices: { input_mtok: 0.25, output_mtok: 1.25, output_reasoning_mtok: 2, input_audio_mtok: 1, requests_kcount: 0.5 },
      },
      {
        id: 'acme-night',
        match: { equals: 'acme-night' },
        prices: [
          { prices: { input_mtok: 1, output_mtok: 2 } },
          { constraint: { start_time: '16:00:00Z', end_time: '00:00:00Z', type: 'time_of_date' }, prices: { input_mtok: 0.5, output_mtok: 1 } },
        ],
      },
      {
        id: 'acme-whisper',
        match: { equals: 'acme-whisper' },
        prices: { audio_hours: 0.1 } as never,
      },
    ],
  },
  {
    id: 'resell',
    name: 'Reseller',
    api_pattern: 'https://api\\.resell\\.test',
    fallback_model_providers: ['acme'],
    models: [{ id: 'resell-own', match: { equals: 'resell-own' }, prices: { input_mtok: 9, output_mtok: 9 } }],
  },
];
