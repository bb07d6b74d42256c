import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { BackendError, initBackend, parseBackendChoice } from '../src/backend.js';

describe('backend selection', () => {
  it('starts tensorflow or, when the native addon cannot load, wasm (never silently cpu)', async () => {
    const choice = await initBackend();
    expect(tf.getBackend()).toBe(choice.name);
    if (process.env.CACHELAB_TF_BACKEND) {
      expect(choice.name).toBe(process.env.CACHELAB_TF_BACKEND);
    } else {
      expect(['tensorflow', 'wasm']).toContain(choice.name);
      // When wasm runs, the reason tensorflow was skipped is recorded.
      if (choice.name === 'wasm') expect(choice.skipped[0]).toMatch(/^tensorflow: /);
    }
    expect(tf.tidy(() => tf.add(tf.scalar(2), tf.scalar(3)).dataSync()[0])).toBe(5);
  });

  it('reads the override variable and rejects unknown names with the accepted list', () => {
    expect(parseBackendChoice(undefined)).toBeUndefined();
    expect(parseBackendChoice('')).toBeUndefined();
    expect(parseBackendChoice('cpu')).toBe('cpu');
    expect(() => parseBackendChoice('gpu')).toThrow(BackendError);
    expect(() => parseBackendChoice('gpu')).toThrow(/tensorflow, wasm, cpu/);
  });
});
