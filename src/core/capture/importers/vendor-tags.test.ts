import { describe, expect, it } from 'vitest';
import { tagNameFor, VendorTags } from './vendor-tags.js';

describe('tagNameFor', () => {
  it('reads the spellings people give tags as unitcost tags', () => {
    expect(['Feature', 'user-id', 'User Tier', 'env', 'session.id', 'plan'].map((key) => tagNameFor(key))).toEqual(['feature', 'user_id', 'user_tier', 'environment', 'session_id', 'user_tier']);
  });

  it('strips a header prefix before reading the key', () => {
    expect(tagNameFor('Helicone-Property-Feature', 'helicone-property-')).toBe('feature');
  });

  it('leaves other keys alone', () => {
    expect(tagNameFor('prompt_version')).toBeUndefined();
  });
});

describe('VendorTags', () => {
  it('lets a later source replace an earlier value of the same tag', () => {
    const tags = new VendorTags();
    tags.set('team', 'from-key-alias', 'metadata.user_api_key_team_alias');
    tags.addMetadata({ team: 'from-metadata' }, 'metadata');
    const record: Record<string, unknown> = {};
    const origins: Record<string, string> = {};
    tags.applyTo(record, origins);
    expect(record).toEqual({ team: 'from-metadata' });
    expect(origins).toEqual({ team: 'metadata.team' });
  });

  it('keeps a step that is not a whole number as an attribute rather than losing the call', () => {
    const tags = new VendorTags();
    tags.addMetadata({ step: 'first' }, 'metadata');
    const record: Record<string, unknown> = {};
    tags.applyTo(record, {});
    expect(record).toEqual({ attributes: { step: 'first' } });
  });

  it('keeps scalar metadata and plain tags as flat attributes, dropping nested values', () => {
    const tags = new VendorTags();
    tags.addMetadata({ prompt_version: 'v7', ab_bucket: 2, cached: false, nested: { a: 1 }, list: [1] }, 'metadata');
    tags.addTagList(['beta', 'feature:search', 'beta'], 'tags');
    const record: Record<string, unknown> = {};
    tags.applyTo(record, {});
    expect(record).toEqual({ feature: 'search', attributes: { prompt_version: 'v7', ab_bucket: 2, cached: false, tags: 'beta' } });
  });
});
