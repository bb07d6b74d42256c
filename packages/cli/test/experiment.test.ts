import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@cachelab/cache-core';
import { describe, expect, it } from 'vitest';
import { expandCells, traceRefs } from '../src/experiment/cells.js';
import { loadExperiment } from '../src/experiment/load.js';
import { parseExperiment } from '../src/experiment/schema.js';
import { getTrace } from '../src/experiment/trace-cache.js';
import { canonicalJson, configHash } from '../src/util/hash.js';
import { repoRoot } from '../src/util/paths.js';
import { tempDir } from './helpers/workflow.js';

const base = { traces: ['traces/cache2k-web07.txt'], sizes: ['1%', '5%'], policies: ['lru', 'fifo'] };

function fieldOf(value: unknown): string {
  try {
    parseExperiment(value);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).field;
  }
  throw new Error('expected a ConfigError');
}

describe('experiment traces', () => {
  it('an access-log trace entry with logSession client-agent is read with sessions by address and agent', async () => {
    const dir = tempDir();
    const path = join(dir, 'a.log');
    const line = (agent: string) => `10.0.0.1 - - [17/May/2015:10:05:03 +0000] "GET /a HTTP/1.1" 200 1 "-" "${agent}"`;
    writeFileSync(path, [line('A'), line('B'), line('A')].join('\n'));
    const experiment = parseExperiment({ traces: [path, { path, name: 'by-agent', logSession: 'client-agent' }], sizes: ['1'], policies: ['lru'] });
    const [plain, byAgent] = traceRefs(experiment);
    expect(byAgent).toMatchObject({ name: 'by-agent', logSession: 'client-agent' });
    expect(Array.from((await getTrace(plain!)).batch.session)).toEqual([0, 0, 0]);
    expect(Array.from((await getTrace(byAgent!)).batch.session)).toEqual([0, 1, 0]);
  });
});

describe('experiment schema', () => {
  it('fills defaults', () => {
    const experiment = parseExperiment(base);
    expect(experiment.unit).toBe('objects');
    expect(experiment.seeds).toEqual([0]);
    expect(experiment.warmup).toBe(0);
    expect(experiment.prefetch).toEqual([]);
  });

  it('names the bad field in every error', () => {
    expect(fieldOf({ ...base, sizes: ['5%', 'lots'] })).toBe('sizes[1]');
    expect(fieldOf({ ...base, sizes: [] })).toBe('sizes');
    expect(fieldOf({ ...base, policies: ['lru', { name: 'arc', params: { p: [1] } }] })).toBe('policies[1].params.p');
    expect(fieldOf({ ...base, seeds: [1, -2] })).toBe('seeds[1]');
    expect(fieldOf({ ...base, unit: 'pages' })).toBe('unit');
    expect(fieldOf({ ...base, traces: [{ path: 'x.bin', format: 'parquet' }] })).toBe('traces[0].format');
    expect(fieldOf({ ...base, traces: [{ path: 'x.log', logSession: 'agent' }] })).toBe('traces[0].logSession');
    expect(fieldOf({ sizes: ['1%'], policies: ['lru'] })).toBe('traces');
    expect(fieldOf({ ...base, prefetch: [{ name: 'm', degree: 0 }] })).toBe('prefetch[0].degree');
    expect(fieldOf({ ...base, dqn: { train: [{ name: 'a', trace: 'nope', size: '5%' }] } })).toBe('dqn.train[0].trace');
    expect(fieldOf({ ...base, dqn: { train: [{ name: 'a', trace: ['cache2k-web07', 'nope'], size: '5%' }] } })).toBe('dqn.train[0].trace[1]');
    expect(fieldOf({ ...base, dqn: { train: [{ name: 'a', trace: ['cache2k-web07', 'cache2k-web07'], size: '5%' }] } })).toBe('dqn.train[0].trace[1]');
    expect(fieldOf({ ...base, dqn: { train: [{ name: 'a', trace: [], size: '5%' }] } })).toBe('dqn.train[0].trace');
    expect(fieldOf({ ...base, dqn: { train: [{ name: 'a', trace: 'cache2k-web07', size: '5%', env: { segmentSteps: 0 } }] } })).toBe(
      'dqn.train[0].env.segmentSteps',
    );
    expect(fieldOf({ ...base, policies: ['lru', 'dqn:@missing'] })).toBe('policies[1]');
    expect(fieldOf({ ...base, policies: ['lru', 'lru'] })).toBe('policies');
  });

  it('rejects unknown keys, naming them', () => {
    expect(() => parseExperiment({ ...base, polices: ['lru'] })).toThrow(/polices/);
    expect(() => parseExperiment({ ...base, traces: [{ path: 'a.txt', fromat: 'txt' }] })).toThrow(/traces\[0\].*fromat/);
  });
});

describe('config hash', () => {
  it('is the SHA-256 of the canonical JSON, whatever the key order', () => {
    const a = parseExperiment({ ...base, seeds: [1, 2] });
    const b = parseExperiment({ seeds: [1, 2], policies: ['lru', 'fifo'], sizes: ['1%', '5%'], traces: ['traces/cache2k-web07.txt'] });
    expect(configHash(a)).toBe(configHash(b));
    const expected = createHash('sha256').update(canonicalJson(a)).digest('hex').slice(0, 12);
    expect(configHash(a)).toBe(expected);
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[2,{"y":2,"z":1}]},"b":1}');
  });

  it('changes with anything that changes results', () => {
    const hash = configHash(parseExperiment(base));
    expect(configHash(parseExperiment({ ...base, seeds: [1] }))).not.toBe(hash);
    expect(configHash(parseExperiment({ ...base, sizes: ['1%', '6%'] }))).not.toBe(hash);
    expect(configHash(parseExperiment({ ...base, warmup: 10 }))).not.toBe(hash);
  });
});

describe('cells', () => {
  it('expands traces × sizes × policies × seeds × (no prefetch + prefetch settings), training first', () => {
    const experiment = parseExperiment({
      traces: ['a.txt', { path: 'dir/b.csv', name: 'bee' }],
      sizes: ['1%', 100],
      policies: ['lru', { name: 'arc', label: 'arc2' }, 'dqn:@small'],
      seeds: [0, 1],
      prefetch: [{ name: 'mk' }],
      dqn: { train: [{ name: 'small', trace: 'bee', size: '5%' }] },
    });
    const cells = expandCells(experiment);
    expect(cells.filter((c) => c.kind === 'dqn-train').map((c) => c.id)).toEqual(['train-small-s0', 'train-small-s1']);
    expect(cells.slice(0, 2).every((c) => c.kind === 'dqn-train')).toBe(true);
    expect(cells.filter((c) => c.kind === 'replay')).toHaveLength(2 * 2 * 3 * 2 * 2);
    const ids = cells.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain('bee-1pct-arc2-s1-pf-mk');
    expect(ids).toContain('a-100-dqn-small-s0');
  });

  it('gives a training entry over several traces × sizes its first pair and the others as moreMembers', () => {
    const experiment = parseExperiment({
      traces: ['a.txt', 'b.txt', 'c.txt'],
      sizes: ['10%'],
      policies: ['lru'],
      dqn: {
        train: [
          { name: 'mix', trace: ['b', 'a'], size: ['10%', '1%'], env: { segmentSteps: 100 } },
          { name: 'one', trace: ['a'], size: '10%' },
        ],
      },
    });
    const [mix, one] = expandCells(experiment);
    expect(mix).toMatchObject({ kind: 'dqn-train', trace: { name: 'b' }, size: '10%', env: { segmentSteps: 100 } });
    expect(mix!.kind === 'dqn-train' && mix!.moreMembers!.map((m) => `${m.trace.name}@${m.size}`)).toEqual(['b@1%', 'a@10%', 'a@1%']);
    // A one-trace list is the same cell as the plain name (same config.json, so finished cells are kept).
    const plain = expandCells(parseExperiment({ ...experiment, dqn: { train: [{ name: 'one', trace: 'a', size: ['10%'] }] } }))[0];
    expect(one).toEqual(plain);
    expect(one).toMatchObject({ trace: { name: 'a' }, size: '10%' });
    expect(one).not.toHaveProperty('moreMembers');
  });
});

describe('loading experiment files', () => {
  const content = { ...base, seeds: [3], description: 'same in every format' };

  it('reads JSON, YAML and TypeScript to the same experiment, and finds files without an extension', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.json'), JSON.stringify(content));
    writeFileSync(
      join(dir, 'b.yaml'),
      'description: same in every format\ntraces: [traces/cache2k-web07.txt]\nsizes: ["1%", "5%"]\npolicies:\n  - lru\n  - fifo\nseeds: [3]\n',
    );
    writeFileSync(join(dir, 'c.ts'), `const experiment: Record<string, unknown> = ${JSON.stringify(content)};\nexport default experiment;\n`);
    const [a, b, c] = await Promise.all([loadExperiment(join(dir, 'a')), loadExperiment(join(dir, 'b.yaml')), loadExperiment(join(dir, 'c'))]);
    expect(a.name).toBe('a');
    expect(b.experiment).toEqual(a.experiment);
    expect(c.experiment).toEqual(a.experiment);
    expect(configHash(c.experiment)).toBe(configHash(a.experiment));
  });

  it('reports a bad file with its path and the field', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...content, sizes: ['x'] }));
    await expect(loadExperiment(join(dir, 'bad.json'))).rejects.toThrow(/^sizes\[0\]: .*bad\.json/);
    writeFileSync(join(dir, 'broken.yaml'), 'traces: [\n');
    const yamlError = await loadExperiment(join(dir, 'broken.yaml')).catch((e: Error) => e);
    expect((yamlError as Error).message).toMatch(/^.*broken\.yaml: not valid YAML: .* at line 2, column 1$/); // one line, no code frame
    // JSON syntax errors name the line and column, even where JSON.parse's message has no position.
    writeFileSync(join(dir, 'trailing.json'), '{\n  "traces": ["t.txt"],\n  "policies": ["lru",]\n}\n');
    await expect(loadExperiment(join(dir, 'trailing.json'))).rejects.toThrow(`${join(dir, 'trailing.json')}: not valid JSON at line 3, column 22 (ValueExpected): Unexpected token ']'`);
    writeFileSync(join(dir, 'comma.json'), '{\n  "traces": ["t.txt"]\n  "sizes": ["1%"]\n}\n');
    await expect(loadExperiment(join(dir, 'comma.json'))).rejects.toThrow('not valid JSON at line 3, column 3 (CommaExpected)');
    await expect(loadExperiment(join(dir, 'absent'))).rejects.toThrow(/experiment ".*absent" not found/);
  });

  it('validates every shipped experiment', async () => {
    const dir = join(repoRoot(), 'experiments');
    for (const name of ['compare-web07.json', 'compare-shared.json']) {
      const loaded = await loadExperiment(join(dir, name));
      expect(loaded.experiment.policies.length).toBeGreaterThanOrEqual(8);
      expect(JSON.parse(readFileSync(join(dir, name), 'utf8')).traces.length).toBe(loaded.experiment.traces.length);
    }
  });

  it('every file in experiments/ parses, and the rank-reward rounds train with rewardShape rank', async () => {
    const dir = join(repoRoot(), 'experiments');
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) await expect(loadExperiment(join(dir, file)), file).resolves.toBeDefined();
    const rank = await loadExperiment(join(dir, 'dqn-val-select-rank.json'));
    expect(rank.experiment.dqn!.train.map((t) => t.env?.rewardShape)).toEqual(['rank', 'rank', 'rank', 'rank', 'rank']);
    const sixth = await loadExperiment(join(dir, 'dqn-select-rankloop-shared.json'));
    expect(sixth.experiment.dqn!.train.map((t) => t.env?.rewardShape ?? 'linear')).toEqual(['linear', 'linear', 'linear', 'linear', 'linear', 'rank']);
  });

  it('validates the DQN experiments, including training over several traces and sizes', async () => {
    const dir = join(repoRoot(), 'experiments');
    const loaded = await loadExperiment(join(dir, 'dqn-eviction-mix.json'));
    const [train] = expandCells(loaded.experiment);
    expect(train).toMatchObject({ kind: 'dqn-train', name: 'dqn-mix', trace: { name: 'web07' }, size: '1%' });
    expect(train!.kind === 'dqn-train' && train!.moreMembers).toHaveLength(9);
  });
});
