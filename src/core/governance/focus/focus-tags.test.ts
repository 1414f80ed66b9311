import { describe, expect, it } from 'vitest';
import { parseFocusTagNames } from './focus-tags.js';

describe('parseFocusTagNames', () => {
  it('reads a comma-separated list of event tags, spaces allowed', () => {
    expect(parseFocusTagNames('team, feature,step')).toEqual(['team', 'feature', 'step']);
    expect(parseFocusTagNames('')).toEqual([]);
  });

  it('names an unknown or repeated tag', () => {
    expect(() => parseFocusTagNames('team,customer')).toThrow('--tags: "customer" is not a tag of usage events; the tags are feature, team');
    expect(() => parseFocusTagNames('team,team')).toThrow('--tags: "team" is named twice');
  });
});
