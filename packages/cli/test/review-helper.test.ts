/** Regression tests from the review of the day's changes (helper): each failed before its fix. */
import { ConfigError } from '@cachelab/cache-core';
import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../src/experiment/schema.js';

function configError(value: unknown): ConfigError {
  try {
    parseExperiment(value, 'e.json');
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('parsed');
}

describe('experiment files: unknown fields inside list entries', () => {
  it('a policy entry with a misspelt name is told the unknown field, not only "name: expected string"', () => {
    const error = configError({ traces: ['a.csv'], sizes: ['5%'], policies: ['lru', { nme: 'arc' }] });
    expect(error.field).toBe('policies[1]');
    expect(error.message).toBe('policies[1]: unknown field "nme" (did you mean "name"?) (in e.json)');
  });

  it('a trace entry with a misspelt path likewise', () => {
    const error = configError({ traces: [{ pth: 'a.csv' }], sizes: ['5%'], policies: ['lru'] });
    expect(error.message).toBe('traces[0]: unknown field "pth" (did you mean "path"?) (in e.json)');
  });

  it('a union entry without unknown fields keeps its own message', () => {
    const error = configError({ traces: ['a.csv'], sizes: ['5%'], policies: [{ name: 'lru', label: 3 }] });
    expect(error.field).toBe('policies[0].label');
  });
});

describe('experiment files: a trace entry’s delimiter', () => {
  const withDelimiter = (delimiter: string) => ({ traces: [{ path: 'a.csv', delimiter }], sizes: ['5%'], policies: ['lru'] });
  it('"tab" is a tab, as --delimiter tab (the one-column hint names both), not the three letters t, a, b', () => {
    const traces = parseExperiment(withDelimiter('tab'), 'e.json').traces as { delimiter?: string }[];
    expect(traces[0]!.delimiter).toBe('\t');
    expect((parseExperiment(withDelimiter(';'), 'e.json').traces as { delimiter?: string }[])[0]!.delimiter).toBe(';');
  });
  it('a quote or a line break is refused, as --delimiter refuses it', () => {
    expect(configError(withDelimiter('"')).field).toBe('traces[0].delimiter');
    expect(configError(withDelimiter('\n')).field).toBe('traces[0].delimiter');
  });
});
