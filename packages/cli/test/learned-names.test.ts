/** `dqn-guard:@NAME` is resolved like `dqn:@NAME`: checked against dqn.train, pointed at the trained model. */
import { join } from 'node:path';
import { ConfigError } from '@cachelab/cache-core';
import { describe, expect, it } from 'vitest';
import { expandCells } from '../src/experiment/cells.js';
import { type RunContext, resolvePolicyName } from '../src/experiment/execute-cell.js';
import { isLearnedPolicyName, trainedModelRef } from '../src/experiment/learned-names.js';
import { parseExperiment } from '../src/experiment/schema.js';

const base = {
  traces: ['traces/cache2k-web07.txt'],
  sizes: ['1%'],
  seeds: [3],
  dqn: { train: [{ name: 'tiny', trace: 'cache2k-web07', size: '1%' }] },
};

describe('learned policy names in experiments', () => {
  it('recognises both prefixes and only them', () => {
    expect(['dqn:m', 'dqn-guard:m', 'dqn:@a', 'dqn-guard:@a'].map(isLearnedPolicyName)).toEqual([true, true, true, true]);
    expect(['lru', 'dqnx:m', 'markov', 'dqn-guard'].map(isLearnedPolicyName)).toEqual([false, false, false, false]);
    expect(trainedModelRef('dqn-guard:@dqn-mix')).toEqual({ prefix: 'dqn-guard', model: 'dqn-mix' });
    expect(trainedModelRef('dqn:@dqn-mix')).toEqual({ prefix: 'dqn', model: 'dqn-mix' });
    expect(trainedModelRef('dqn-guard:models/x')).toBeNull();
  });

  it('the schema checks `dqn-guard:@NAME` against dqn.train', () => {
    expect(() => parseExperiment({ ...base, policies: ['lru', 'dqn-guard:@tiny'] })).not.toThrow();
    try {
      parseExperiment({ ...base, policies: ['lru', 'dqn-guard:@missing'] });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).field).toBe('policies[1]');
    }
  });

  it('a replay cell of `dqn-guard:@NAME` loads the model the experiment trained, with the guard prefix', () => {
    const experiment = parseExperiment({ ...base, policies: ['dqn:@tiny', 'dqn-guard:@tiny'] });
    const cells = expandCells(experiment).filter((c) => c.kind === 'replay');
    const context = { runDir: '/runs/x/abc' } as RunContext;
    const names = cells.map((c) => (c.kind === 'replay' ? resolvePolicyName(context, c) : ''));
    const model = join('/runs/x/abc', 'train-tiny-s3', 'model');
    expect(names).toEqual([`dqn:${model}`, `dqn-guard:${model}`]);
    expect(cells.map((c) => c.id)).toEqual(['cache2k-web07-1pct-dqn-tiny-s3', 'cache2k-web07-1pct-dqn-guard-tiny-s3']);
  });
});
