/** `dqn-guard:@NAME` and `dqn-select:@A+@B` are resolved like `dqn:@NAME`: checked against dqn.train, pointed at the trained models. */
import { join } from 'node:path';
import { ConfigError } from '@cachelab/cache-core';
import { describe, expect, it } from 'vitest';
import { expandCells } from '../src/experiment/cells.js';
import { type RunContext, resolvePolicyName } from '../src/experiment/execute-cell.js';
import { isLearnedPolicyName, learnedPolicyRef, trainedModelNames } from '../src/experiment/learned-names.js';
import { parseExperiment } from '../src/experiment/schema.js';

const base = {
  traces: ['traces/cache2k-web07.txt'],
  sizes: ['1%'],
  seeds: [3],
  dqn: {
    train: [
      { name: 'tiny', trace: 'cache2k-web07', size: '1%' },
      { name: 'other', trace: 'cache2k-web07', size: '10%' },
    ],
  },
};

describe('learned policy names in experiments', () => {
  it('recognises the three prefixes and only them', () => {
    expect(['dqn:m', 'dqn-guard:m', 'dqn:@a', 'dqn-guard:@a', 'dqn-select:a+b'].map(isLearnedPolicyName)).toEqual([true, true, true, true, true]);
    expect(['lru', 'dqnx:m', 'markov', 'dqn-guard', 'dqn-select'].map(isLearnedPolicyName)).toEqual([false, false, false, false, false]);
    expect(trainedModelNames('dqn-guard:@dqn-mix')).toEqual(['dqn-mix']);
    expect(trainedModelNames('dqn:@dqn-mix')).toEqual(['dqn-mix']);
    expect(trainedModelNames('dqn-guard:models/x')).toEqual([]);
    expect(trainedModelNames('lru')).toEqual([]);
    // Only dqn-select takes a list; elsewhere a "+" is part of the directory name.
    expect(learnedPolicyRef('dqn-select:@a+ models/b+@c')).toEqual({ prefix: 'dqn-select', dirs: ['@a', 'models/b', '@c'] });
    expect(trainedModelNames('dqn-select:@a+ models/b+@c')).toEqual(['a', 'c']);
    expect(learnedPolicyRef('dqn:models/a+b')).toEqual({ prefix: 'dqn', dirs: ['models/a+b'] });
    expect(() => learnedPolicyRef('dqn-select:@a++@b')).toThrow(/one of them is empty/);
    // A typed error naming the whole policy, not a bare Error quoting only the part after the colon
    // (`cachelab mrc --policies lru,dqn-select:` printed `"": expected model directories …`).
    expect(() => learnedPolicyRef('dqn-select:')).toThrow(ConfigError);
    expect(() => learnedPolicyRef('dqn-select:')).toThrow('policy: "dqn-select:": expected model directories joined by "+" (dqn-select:DIR1+DIR2+…), one of them is empty');
  });

  it('the schema checks every `@NAME` of `dqn-guard:` and `dqn-select:` against dqn.train', () => {
    expect(() => parseExperiment({ ...base, policies: ['lru', 'dqn-guard:@tiny', 'dqn-select:@tiny+@other'] })).not.toThrow();
    for (const bad of ['dqn-guard:@missing', 'dqn-select:@tiny+@missing', 'dqn-select:@tiny+']) {
      try {
        parseExperiment({ ...base, policies: ['lru', bad] });
        throw new Error(`expected a ConfigError for ${bad}`);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).field).toBe('policies[1]');
      }
    }
  });

  it('replay cells of `dqn-guard:@NAME` and `dqn-select:@A+…` load the models the experiment trained, with their prefix', () => {
    const experiment = parseExperiment({ ...base, policies: ['dqn:@tiny', 'dqn-guard:@tiny', { name: 'dqn-select:@tiny+models/fixed+@other', label: 'select' }] });
    const cells = expandCells(experiment).filter((c) => c.kind === 'replay');
    const context = { runDir: '/runs/x/abc' } as RunContext;
    const names = cells.map((c) => (c.kind === 'replay' ? resolvePolicyName(context, c) : ''));
    const model = join('/runs/x/abc', 'train-tiny-s3', 'model');
    const other = join('/runs/x/abc', 'train-other-s3', 'model');
    expect(names).toEqual([`dqn:${model}`, `dqn-guard:${model}`, `dqn-select:${model}+models/fixed+${other}`]);
    expect(cells.map((c) => c.id)).toEqual(['cache2k-web07-1pct-dqn-tiny-s3', 'cache2k-web07-1pct-dqn-guard-tiny-s3', 'cache2k-web07-1pct-select-s3']);
  });
});
