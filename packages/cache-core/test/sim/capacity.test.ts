import { describe, expect, it } from 'vitest';
import { ConfigError, parseCapacities, parseCapacity } from '../../src/index.js';

const trace = { distinctObjects: 48_974, distinctBytes: 1_000_000 };

describe('parseCapacity', () => {
  it('object counts, shares of distinct objects (rounded down as libCacheSim does) and byte sizes', () => {
    expect(parseCapacity('4897', trace)).toEqual({ capacity: 4897, unit: 'objects' });
    expect(['1%', '5%', '10%', '20%'].map((s) => parseCapacity(s, trace).capacity)).toEqual([489, 2448, 4897, 9794]);
    expect(parseCapacity('0.5%', trace)).toEqual({ capacity: 244, unit: 'objects' });
    expect(parseCapacity('128MiB', trace)).toEqual({ capacity: 128 * 2 ** 20, unit: 'bytes' });
    expect(parseCapacity('1GB', trace)).toEqual({ capacity: 1e9, unit: 'bytes' });
    expect(parseCapacity('1.5 KiB', trace)).toEqual({ capacity: 1536, unit: 'bytes' });
    expect(parseCapacity('64kb', trace)).toEqual({ capacity: 64_000, unit: 'bytes' });
    expect(parseCapacity('4096', { ...trace, unit: 'bytes' })).toEqual({ capacity: 4096, unit: 'bytes' });
    expect(parseCapacity('10%', { ...trace, unit: 'bytes' })).toEqual({ capacity: 100_000, unit: 'bytes' });
  });

  it('errors name the bad value', () => {
    expect(() => parseCapacity('lots', trace)).toThrow(ConfigError);
    expect(() => parseCapacity('lots', trace)).toThrow('size: bad cache size "lots": use an object count (4897)');
    expect(() => parseCapacity('12XB', trace)).toThrow('bad cache size "12XB"');
    expect(() => parseCapacity('150%', trace)).toThrow('a share must be at most 100%');
    expect(() => parseCapacity('0', trace)).toThrow('cache size "0" is 0 objects; it must be at least 1');
    expect(() => parseCapacity('0.001%', trace)).toThrow('it must be at least 1');
    expect(() => parseCapacity('2.5', trace)).toThrow('an object count must be a whole number');
    expect(() => parseCapacity('10%', { distinctObjects: 10, unit: 'bytes' })).toThrow("share of the trace's bytes");
  });

  it('lists share one unit', () => {
    expect(parseCapacities('1%, 10%,100', trace).map((c) => c.capacity)).toEqual([489, 4897, 100]);
    expect(() => parseCapacities('10%,1GB', trace)).toThrow('mix object counts and bytes');
    expect(() => parseCapacities(' , ', trace)).toThrow('no cache sizes');
  });
});
