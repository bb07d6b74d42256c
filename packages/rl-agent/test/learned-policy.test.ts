import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createPolicy, replay } from '@cachelab/cache-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, fileHandler, loadForward, loadWeightsInto, readMeta } from '../src/dqn/checkpoint.js';
import { resolveDqnConfig } from '../src/dqn/config.js';
import { trainDqn, type TrainResult } from '../src/dqn/train.js';
import { EvictionEnv } from '../src/env/eviction-env.js';
import '../src/index.js';
import { learnedPolicyFromForward } from '../src/learned-policy.js';
import { zipfTrace } from './helpers/trace.js';

const trace = zipfTrace(20_000, 2_000, 0.9, 2, 0.3);
const config = resolveDqnConfig({ seed: 2, totalSteps: 600, learningStarts: 100, bufferSize: 1_000, logInterval: 100 });
let dir: string;
let trained: TrainResult;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelab-dqn-'));
  const env = new EvictionEnv(trace, { capacity: 100 });
  trained = await trainDqn({ env, config, outDir: dir, envMeta: { kind: 'eviction', settings: env.settings() } });
});
afterAll(() => {
  trained.agent.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('checkpoint and learned policy', () => {
  it('writes model.json, weights.bin, target/, agent.json and namespaced metrics.jsonl', () => {
    for (const f of ['model.json', 'weights.bin', 'target/model.json', 'target/weights.bin', 'agent.json', 'metrics.jsonl']) {
      expect(fs.existsSync(path.join(dir, f)), f).toBe(true);
    }
    const meta = readMeta(dir);
    expect(meta.state.step).toBe(600);
    expect(meta.state.updates).toBe(trained.updates);
    expect(meta.env).toEqual({ kind: 'eviction', settings: { unit: 'objects', candidates: 8, horizonFactor: 4, features: 14, scorer: 'none' } });
    const records = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(records.map((r) => r.global_step)).toEqual([100, 200, 300, 400, 500, 600]);
    expect(Object.keys(records.at(-1)!)).toEqual(
      expect.arrayContaining(['charts/epsilon', 'charts/SPS', 'losses/td_loss', 'losses/q_values', 'charts/hit_ratio']),
    );
  });

  it('the pure-TS forward pass from disk equals the tfjs model loaded through the IO handler', async () => {
    const { forward } = loadForward(dir);
    const model = await tf.loadLayersModel(fileHandler(dir));
    const env = new EvictionEnv(trace, { capacity: 100 });
    let { observation } = env.reset({ seed: 9 });
    for (let s = 0; s < 20; s++) {
      const expected = tf.tidy(() => (model.predict(tf.tensor(observation, [1, 8, 14])) as tf.Tensor).dataSync());
      const q = forward.evaluate(observation);
      for (let a = 0; a < 8; a++) expect(q[a]).toBeCloseTo(expected[a]!, 5);
      const step = env.step(forward.argmax(observation));
      observation = step.observation;
    }
    model.dispose();
  });

  it('`dqn:DIR` is a simulator policy: same decisions as the in-memory model, invariants hold', () => {
    const fromDisk = createPolicy(`dqn:${dir}`, { capacity: 100, keySpace: 6_000 });
    const inMemory = learnedPolicyFromForward('x', trained.agent.forward, { capacity: 100 });
    const a = replay(fromDisk, trace, { unit: 'objects' });
    const b = replay(inMemory, trace, { unit: 'objects' });
    expect(a.misses).toBe(b.misses);
    expect(a.requests).toBe(20_000);
    fromDisk.verify();
    expect(fromDisk.count).toBe(100);
  });

  it('a damaged weights.bin is refused by its SHA-256 (online and target); one without a recorded hash still loads', () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelab-dqn-damaged-'));
    fs.cpSync(dir, copy, { recursive: true });
    const flip = (file: string) => {
      const bytes = fs.readFileSync(file);
      bytes[bytes.length - 3]! ^= 0x01; // the lowest mantissa bit of one float: a tiny, silent change
      fs.writeFileSync(file, bytes);
    };
    flip(path.join(copy, 'weights.bin'));
    expect(() => createPolicy(`dqn:${copy}`, { capacity: 10 })).toThrow(CheckpointError);
    expect(() => loadForward(copy)).toThrow(`${copy}: weights.bin does not match the SHA-256 in model.json`);
    fs.copyFileSync(path.join(dir, 'weights.bin'), path.join(copy, 'weights.bin'));
    flip(path.join(copy, 'target', 'weights.bin'));
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });
    expect(() => loadWeightsInto(model, path.join(copy, 'target'))).toThrow('does not match the SHA-256');
    model.dispose();
    // A checkpoint from before the hash existed: no weightsSha256 in model.json, no check.
    const json = JSON.parse(fs.readFileSync(path.join(copy, 'model.json'), 'utf8'));
    expect(json.weightsSha256).toMatch(/^[0-9a-f]{64}$/);
    delete json.weightsSha256;
    fs.writeFileSync(path.join(copy, 'model.json'), JSON.stringify(json));
    expect(loadForward(copy).forward).toBeDefined();
    fs.rmSync(copy, { recursive: true, force: true });
  });

  it('a missing or wrong directory is a typed error that says what to pass', () => {
    expect(() => createPolicy('dqn:/nonexistent/model', { capacity: 10 })).toThrow(CheckpointError);
    expect(() => createPolicy('dqn:/nonexistent/model', { capacity: 10 })).toThrow(/cachelab train/);
  });

  it('resume continues the step counter and the metrics file from the checkpoint', async () => {
    const resumeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelab-resume-'));
    const env = () => new EvictionEnv(trace, { capacity: 100 });
    const first = await trainDqn({ env: env(), config: { ...config, totalSteps: 300 }, outDir: resumeDir });
    first.agent.dispose();
    const second = await trainDqn({ env: env(), config, outDir: resumeDir, resume: true });
    expect(second.steps).toBe(600);
    expect(readMeta(resumeDir).state.step).toBe(600);
    const steps = fs.readFileSync(path.join(resumeDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).global_step);
    expect(steps).toEqual([100, 200, 300, 400, 500, 600]);
    // The buffer starts empty: learning restarts learningStarts (100) steps after step 300.
    expect(second.resumedAt).toBe(300);
    expect(second.updatesThisRun).toBe(Math.ceil((600 - 400) / config.trainFrequency));
    expect(second.updates).toBe(first.updates + second.updatesThisRun);
    second.agent.dispose();
    fs.rmSync(resumeDir, { recursive: true, force: true });
  });

  it('refuses to resume with other settings, other training data, or no steps left', async () => {
    const resumeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelab-resume-check-'));
    const env = (capacity = 100) => new EvictionEnv(trace, { capacity });
    const data = { members: [{ requests: trace.length, capacity: 100 }] };
    const first = await trainDqn({ env: env(), config: { ...config, totalSteps: 200 }, outDir: resumeDir, data, envMeta: { kind: 'eviction', settings: env().settings() } });
    first.agent.dispose();
    const resume = (overrides: Partial<typeof config>, resumeData: unknown = data, settings = env().settings()) =>
      trainDqn({ env: env(), config: { ...config, ...overrides }, outDir: resumeDir, data: resumeData, envMeta: { kind: 'eviction', settings }, resume: true });
    await expect(resume({ seed: 3 })).rejects.toThrow(`cannot resume ${resumeDir}: it was trained with other settings (checkpoint → this run: seed 2 → 3)`);
    await expect(resume({ gamma: 0.5, hiddenLayers: [16] })).rejects.toThrow('gamma 0.9 → 0.5; hiddenLayers [8] → [16]');
    await expect(resume({}, { members: [{ requests: trace.length, capacity: 50 }] })).rejects.toThrow('training data {"members":[{"capacity":100,');
    await expect(resume({}, data, { ...env().settings(), recentCandidates: 1 })).rejects.toThrow('environment {');
    await expect(resume({ totalSteps: 200 })).rejects.toThrow(`cannot resume ${resumeDir}: it already has 200 steps; ask for more (--steps > 200)`);
    // The step budget and the logging cadence may change.
    const resumed = await resume({ totalSteps: 300, logInterval: 50 });
    expect(resumed.steps).toBe(300);
    resumed.agent.dispose();
    fs.rmSync(resumeDir, { recursive: true, force: true });
  });
});

describe('learned policy with the opt-in env options (recentCandidates, regimeFeatures)', () => {
  let optDir: string;
  let optTrained: TrainResult;
  const envOptions = { recentCandidates: 2, regimeFeatures: true };

  beforeAll(async () => {
    optDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelab-dqn-opt-'));
    const env = new EvictionEnv(trace, { capacity: 100, ...envOptions });
    optTrained = await trainDqn({ env, config, outDir: optDir, envMeta: { kind: 'eviction', settings: env.settings() } });
  });
  afterAll(() => {
    optTrained.agent.dispose();
    fs.rmSync(optDir, { recursive: true, force: true });
  });

  it('agent.json records the options and 16 features', () => {
    const meta = readMeta(optDir);
    expect(meta.spec.features).toBe(16);
    expect(meta.env.settings).toEqual({ unit: 'objects', candidates: 8, horizonFactor: 4, features: 16, scorer: 'none', recentCandidates: 2, regimeFeatures: true });
  });

  it('`dqn:DIR` rebuilds the options from agent.json: same decisions and final contents as the in-memory model', () => {
    const fromDisk = createPolicy(`dqn:${optDir}`, { capacity: 100, keySpace: 6_000 }) as ReturnType<typeof learnedPolicyFromForward>;
    const inMemory = learnedPolicyFromForward('x', optTrained.agent.forward, { capacity: 100 }, undefined, envOptions);
    const a = replay(fromDisk, trace, { unit: 'objects' });
    const b = replay(inMemory, trace, { unit: 'objects' });
    expect(a.misses).toBe(b.misses);
    expect(a.requests).toBe(20_000);
    expect(fromDisk.recent).toBe(2);
    expect(fromDisk.regimeFeatures).toBe(true);
    expect(fromDisk.quickReturnRatio).toBe(inMemory.quickReturnRatio);
    expect(fromDisk.quickReturnLruShare).toBe(inMemory.quickReturnLruShare);
    for (let key = 0; key < 6_000; key++) expect(fromDisk.has(key)).toBe(inMemory.has(key));
    fromDisk.verify();
    // The same weights without the options would read the wrong row width: a typed error.
    expect(() => learnedPolicyFromForward('y', optTrained.agent.forward, { capacity: 100 })).toThrow(/16 features/);
  });
});
