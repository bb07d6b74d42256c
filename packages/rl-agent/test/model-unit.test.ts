import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { modelTrainingUnit, modelsTrainedInOtherUnit } from '../src/model-unit.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cachelab-model-unit-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function modelDir(name: string, settings: Record<string, unknown> | undefined): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'agent.json'), JSON.stringify(settings === undefined ? {} : { env: { settings } }));
  return dir;
}

describe('the unit a model was trained in', () => {
  const bytes = modelDir('bytes', { unit: 'bytes' });
  const objects = modelDir('objects', { unit: 'objects' });
  const old = modelDir('old', undefined); // before agent.json recorded the unit: objects

  it('is read from agent.json, objects for models without the field', () => {
    expect(modelTrainingUnit(bytes)).toBe('bytes');
    expect(modelTrainingUnit(objects)).toBe('objects');
    expect(modelTrainingUnit(old)).toBe('objects');
  });

  it('lists only the models of a learned name trained in the other unit', () => {
    expect(modelsTrainedInOtherUnit(`dqn:${bytes}`, 'objects')).toEqual([{ dir: bytes, trainedIn: 'bytes' }]);
    expect(modelsTrainedInOtherUnit(`dqn:${bytes}`, 'bytes')).toEqual([]);
    expect(modelsTrainedInOtherUnit(`dqn-select:${bytes}+${objects}+${old}`, 'bytes')).toEqual([
      { dir: objects, trainedIn: 'objects' },
      { dir: old, trainedIn: 'objects' },
    ]);
    expect(modelsTrainedInOtherUnit(`dqn-guard:${objects}`, 'bytes')).toEqual([{ dir: objects, trainedIn: 'objects' }]);
  });

  it('ignores classical policies and models an experiment trains itself (@NAME)', () => {
    expect(modelsTrainedInOtherUnit('lru', 'bytes')).toEqual([]);
    expect(modelsTrainedInOtherUnit('dqn-select:@a+@b', 'bytes')).toEqual([]);
  });
});
