import { describe, expect, it } from 'vitest';
import { resolveProvider, type NamedProvider } from './resolve-provider.js';

const providers: NamedProvider[] = [
  { name: 'openai', api: 'openai', base_url: 'https://api.openai.com/v1' },
  { name: 'local', api: 'openai', base_url: 'http://127.0.0.1:8000/v1', models: ['llama-*'] },
  { name: 'anthropic', api: 'anthropic', base_url: 'https://api.anthropic.com', models: ['claude-*'] },
];

describe('resolveProvider', () => {
  it('sends a model to the provider whose models list matches it', () => {
    expect(resolveProvider(providers, 'openai', 'llama-3.3-70b')).toMatchObject({ ok: true, provider: { name: 'local' } });
  });

  it('sends any other model to the provider of that API without a list', () => {
    expect(resolveProvider(providers, 'openai', 'gpt-4.1')).toMatchObject({ ok: true, provider: { name: 'openai' } });
  });

  it('refuses a model that no provider of the API serves', () => {
    expect(resolveProvider(providers, 'anthropic', 'gpt-4.1')).toEqual({ ok: false, message: 'no provider in gateway.providers serves model "gpt-4.1" for the anthropic API; add it to a provider\'s models' });
  });

  it('takes the provider the client named, but only one of the API it called', () => {
    expect(resolveProvider(providers, 'openai', 'gpt-4.1', 'local')).toMatchObject({ ok: true, provider: { name: 'local' } });
    expect(resolveProvider(providers, 'openai', 'gpt-4.1', 'anthropic')).toMatchObject({ ok: false });
    expect(resolveProvider(providers, 'openai', 'gpt-4.1', 'azure')).toMatchObject({ ok: false, message: expect.stringContaining('not in gateway.providers (openai, local, anthropic)') });
  });
});
