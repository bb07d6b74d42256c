import { deflateSync } from 'node:zlib';
import { serialize } from 'node:v8';
import fc from 'fast-check';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { Codec, DECODE_FAILED, DECODE_SAMPLE_EVERY, MARKER_PLAIN, MARKER_ZLIB, type CodecOptions } from '../../src/manager/codec.js';
import { SerializationError } from '../../src/manager/errors.js';

const options = (overrides: Partial<CodecOptions> = {}): CodecOptions => ({
  format: 'v8',
  compressionEnabled: true,
  compressionThreshold: 1024,
  compressionLevel: 6,
  maxEntrySize: 1024 * 1024,
  ...overrides,
});

describe('Codec: layout', () => {
  it('json: marker 0x00 followed by the UTF-8 JSON text', () => {
    const codec = new Codec(options({ format: 'json' }));
    const { bytes, compressed, serializedSize } = codec.encode({ id: 1, name: 'é' }, 'k');
    expect(compressed).toBe(false);
    expect(bytes[0]).toBe(MARKER_PLAIN);
    expect(Buffer.from(bytes.subarray(1)).toString('utf8')).toBe('{"id":1,"name":"é"}');
    expect(serializedSize).toBe(20); // é is two bytes
  });

  it('v8: marker 0x00 followed by exactly v8.serialize(value)', () => {
    const codec = new Codec(options());
    const value = new Map([['a', 1n]]);
    const { bytes } = codec.encode(value, 'k');
    expect(Array.from(bytes)).toEqual([MARKER_PLAIN, ...serialize(value)]);
  });

  it('compresses at the threshold when it pays: marker 0x01 + zlib of the serialized bytes', () => {
    const codec = new Codec(options({ format: 'json', compressionThreshold: 100 }));
    const text = 'a'.repeat(98); // JSON adds two quotes: exactly 100 bytes
    const { bytes, compressed, serializedSize } = codec.encode(text, 'k');
    expect(serializedSize).toBe(100);
    expect(compressed).toBe(true);
    expect(bytes[0]).toBe(MARKER_ZLIB);
    expect(Array.from(bytes.subarray(1))).toEqual(Array.from(deflateSync(Buffer.from(JSON.stringify(text)), { level: 6 })));
    expect(codec.decode(bytes)).toBe(text);
    expect(codec.stats.compressionCount).toBe(1);
    expect(codec.stats.compressedInputBytes).toBe(100);
    expect(codec.stats.compressedOutputBytes).toBe(bytes.length - 1);
  });

  it('does not compress below the threshold, when disabled, or when zlib would not shrink the value', () => {
    const below = new Codec(options({ format: 'json', compressionThreshold: 101 }));
    expect(below.encode('a'.repeat(98), 'k').compressed).toBe(false);
    const disabled = new Codec(options({ format: 'json', compressionEnabled: false, compressionThreshold: 0 }));
    expect(disabled.encode('a'.repeat(5000), 'k').compressed).toBe(false);
    const random = seedrandom('incompressible');
    const noise = Uint8Array.from({ length: 2000 }, () => Math.floor(random() * 256));
    const codec = new Codec(options({ compressionThreshold: 0 }));
    const encoded = codec.encode(noise, 'k');
    expect(encoded.compressed).toBe(false);
    expect(encoded.bytes[0]).toBe(MARKER_PLAIN);
    expect(codec.stats.compressionCount).toBe(0);
    expect(codec.stats.compressionTimeMs).toBeGreaterThan(0); // it tried
  });

  it('a higher compression level gives no larger output', () => {
    const text = Array.from({ length: 400 }, (_, i) => `row ${i % 37} status active`).join('\n');
    const fast = new Codec(options({ format: 'json', compressionLevel: 1 })).encode(text, 'k').bytes.length;
    const small = new Codec(options({ format: 'json', compressionLevel: 9 })).encode(text, 'k').bytes.length;
    expect(small).toBeLessThanOrEqual(fast);
  });
});

describe('Codec: refusals', () => {
  const json = new Codec(options({ format: 'json' }));
  const v8 = new Codec(options());
  it.each([
    ['a function', { f: () => 1 }, /property "f" is a function/],
    ['a symbol', { s: Symbol('x') }, /symbol/],
    ['a BigInt', { n: 1n }, /BigInt/],
    ['a Map', new Map(), /Map/],
    ['a Set', { s: new Set([1]) }, /Set/],
    ['a typed array', { t: new Uint8Array(2) }, /Uint8Array/],
    ['NaN', [Number.NaN], /NaN/],
    ['undefined', undefined, /undefined/],
    ['undefined in an array', [1, undefined], /element 1 is undefined/],
    ['a cycle', (() => { const o: Record<string, unknown> = {}; o.self = o; return o; })(), /circular/i],
  ])('json refuses %s', (_label, value, message) => {
    expect(() => json.encode(value, 'key-1')).toThrow(SerializationError);
    expect(() => json.encode(value, 'key-1')).toThrow(message);
    expect(() => json.encode(value, 'key-1')).toThrow(/cannot cache "key-1"/);
  });

  it('json drops undefined object properties (as JSON does) and turns Dates into ISO strings', () => {
    const bytes = json.encode({ a: 1, b: undefined, d: new Date(0) }, 'k').bytes;
    expect(json.decode(bytes)).toEqual({ a: 1, d: '1970-01-01T00:00:00.000Z' });
  });

  it.each([
    ['a function', () => 1],
    ['a symbol', Symbol('x')],
    ['an object holding a function', { f: () => 1 }],
  ])('v8 refuses %s', (_label, value) => {
    expect(() => v8.encode(value, 'k')).toThrow(SerializationError);
  });
});

describe('Codec: property-based round-trips', () => {
  it('v8 round-trips any structured-clone value (Map, Set, Date, BigInt, typed arrays, sparse arrays), compressed or not', () => {
    const codec = new Codec(options({ compressionThreshold: 64 }));
    fc.assert(
      fc.property(
        fc.anything({ withMap: true, withSet: true, withBigInt: true, withDate: true, withTypedArray: true, withSparseArray: true, maxDepth: 4 }),
        (value) => {
          const back = codec.decode(codec.encode(value, 'k').bytes);
          expect(back).not.toBe(DECODE_FAILED);
          expect(back).toStrictEqual(value);
        },
      ),
      { numRuns: 400, seed: 20240601 },
    );
    expect(codec.stats.compressionCount).toBeGreaterThan(0);
  });

  it('json round-trips any JSON value, compressed or not', () => {
    const codec = new Codec(options({ format: 'json', compressionThreshold: 64 }));
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (value) => {
        const back = codec.decode(codec.encode(value, 'k').bytes);
        // JSON has one number zero: -0 reads back as 0.
        expect(back).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 400, seed: 20240602 },
    );
    expect(codec.stats.compressionCount).toBeGreaterThan(0);
  });

  it('v8 round-trips cyclic structures', () => {
    const codec = new Codec(options());
    const a: { name: string; peer?: unknown; list: unknown[] } = { name: 'a', list: [] };
    const b = { name: 'b', peer: a };
    a.peer = b;
    a.list.push(a, b);
    const back = codec.decode(codec.encode(a, 'k').bytes) as typeof a;
    expect(back.name).toBe('a');
    expect((back.peer as typeof b).peer).toBe(back);
    expect(back.list[0]).toBe(back);
    expect(back.list[1]).toBe(back.peer);
  });
});

describe('Codec: decoded values own their memory', () => {
  // v8.deserialize returns typed arrays as views of its input: decoding a backend's stored bytes
  // twice would hand out two values sharing memory with each other and with the cache.
  it('typed arrays, Buffers and DataViews decoded from the same bytes are independent copies of the right type', () => {
    for (const compressionEnabled of [false, true]) {
      const codec = new Codec(options({ compressionEnabled, compressionThreshold: 16 }));
      const value = {
        f64: new Float64Array([1.5, 2.5, 3.5]),
        u8: new Uint8Array([1, 2, 3, 4, 5]),
        i16: new Int16Array([-1, 2, -3]),
        buffer: Buffer.from('cached bytes'),
        view: new DataView(new Uint8Array([9, 8, 7, 6]).buffer),
        pad: 'x'.repeat(64),
      };
      const { bytes } = codec.encode(value, 'k');
      const first = codec.decode(bytes) as typeof value;
      expect(first.f64).toBeInstanceOf(Float64Array);
      expect(first.i16).toBeInstanceOf(Int16Array);
      expect(Buffer.isBuffer(first.buffer)).toBe(true);
      expect(first.view).toBeInstanceOf(DataView);
      first.f64[0] = -1;
      first.u8[0] = 255;
      first.i16[2] = 7;
      first.buffer[0] = 0x43; // 'C'
      first.view.setUint8(0, 0);
      const second = codec.decode(bytes) as typeof value;
      expect(Array.from(second.f64)).toEqual([1.5, 2.5, 3.5]);
      expect(Array.from(second.u8)).toEqual([1, 2, 3, 4, 5]);
      expect(Array.from(second.i16)).toEqual([-1, 2, -3]);
      expect(second.buffer.toString()).toBe('cached bytes');
      expect(second.view.getUint8(0)).toBe(9);
      // Nothing of the entry's other bytes is reachable through a decoded array.
      expect(second.f64.buffer.byteLength).toBe(second.f64.byteLength);
      expect(second.u8.buffer.byteLength).toBe(5);
      expect(second.view.buffer.byteLength).toBe(4);
    }
  });
});

describe('Codec: entries held as latin1 strings (the memory backend) decode through one reused scratch buffer', () => {
  it('a value decoded earlier keeps its contents when later decodes overwrite the scratch bytes', () => {
    for (const format of ['v8', 'json'] as const) {
      const codec = new Codec(options({ format }));
      const latin1 = (value: unknown) => codec.encode(value, 'k').bytes.toString('latin1');
      const firstValue = format === 'v8' ? { name: 'first', f64: new Float64Array([1.5, 2.5]), text: 'café' } : { name: 'first', text: 'café' };
      const first = codec.decode(latin1(firstValue)) as typeof firstValue;
      const second = codec.decode(latin1(format === 'v8' ? { name: 'XXXXXXXX', f64: new Float64Array([9, 9]), text: 'zzzz' } : { name: 'XXXXXXXX', text: 'zzzz' }));
      expect(second).toMatchObject({ name: 'XXXXXXXX' });
      expect(first).toEqual(firstValue);
      if (first.f64 !== undefined) expect(first.f64.buffer.byteLength).toBe(16); // its own memory, not the scratch buffer
    }
  });

  it('an entry larger than the scratch buffer (64 KiB) decodes the same', () => {
    const codec = new Codec(options({ format: 'v8', maxEntrySize: 1 << 20 }));
    const value = { big: 'é'.repeat(70_000) };
    expect(codec.decode(codec.encode(value, 'k').bytes.toString('latin1'))).toEqual(value);
  });
});

describe('Codec: corrupt bytes', () => {
  const cases: [string, Uint8Array, string][] = [
    ['empty', new Uint8Array(0), 'empty'],
    ['unknown marker', Uint8Array.from([0x02, 1, 2]), 'unknown-marker'],
    ['truncated zlib', (() => { const z = deflateSync(Buffer.from('x'.repeat(500))); return Uint8Array.from([0x01, ...z.subarray(0, z.length - 4)]); })(), 'decompress'],
    ['zlib garbage', Uint8Array.from([0x01, 0xde, 0xad, 0xbe, 0xef]), 'decompress'],
    ['bad v8 payload', Uint8Array.from([0x00, 0xff, 0x0f, 0x6f, 0x22]), 'payload'],
  ];
  it.each(cases)('%s → DECODE_FAILED with reason', (_label, bytes, reason) => {
    const codec = new Codec(options());
    expect(codec.decode(bytes)).toBe(DECODE_FAILED);
    expect(codec.lastDecodeError?.reason).toBe(reason);
  });

  it('json: invalid UTF-8 and invalid JSON are payload errors', () => {
    const codec = new Codec(options({ format: 'json' }));
    expect(codec.decode(Uint8Array.from([0x00, 0xc3, 0x28]))).toBe(DECODE_FAILED);
    expect(codec.lastDecodeError?.message).toMatch(/UTF-8/);
    expect(codec.decode(Uint8Array.from([0x00, ...Buffer.from('{"a":')]))).toBe(DECODE_FAILED);
    expect(codec.lastDecodeError?.reason).toBe('payload');
  });

  it('refuses to inflate a zlib bomb beyond 64 × maxEntrySize', () => {
    const codec = new Codec(options({ maxEntrySize: 1024 }));
    const bomb = Uint8Array.from([0x01, ...deflateSync(Buffer.alloc(65 * 1024 + 10))]);
    expect(bomb.length).toBeLessThan(1024);
    expect(codec.decode(bomb)).toBe(DECODE_FAILED);
    expect(codec.lastDecodeError?.reason).toBe('decompress');
  });

  it('bytes given as a latin1 string decode exactly like the bytes (JSON with and without non-ASCII, v8, zlib, random bytes)', () => {
    const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');
    for (const format of ['json', 'v8'] as const) {
      const codec = new Codec(options({ format, compressionThreshold: 64 }));
      fc.assert(
        fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
          const bytes = codec.encode(value, 'k').bytes;
          expect(codec.decode(latin1(bytes))).toEqual(codec.decode(bytes));
        }),
        { numRuns: 300, seed: 20261130 },
      );
      const random = seedrandom(`codec-latin1-${format}`);
      for (let i = 0; i < 2000; i++) {
        const bytes = Uint8Array.from({ length: 1 + Math.floor(random() * 40) }, () => Math.floor(random() * (i % 2 ? 128 : 256)));
        bytes[0] = i % 3 === 0 ? MARKER_ZLIB : MARKER_PLAIN;
        const fromBytes = codec.decode(bytes);
        const reason = codec.lastDecodeError?.reason;
        const fromText = codec.decode(latin1(bytes));
        expect(fromText).toEqual(fromBytes);
        if (fromBytes === DECODE_FAILED) expect(codec.lastDecodeError?.reason).toBe(reason);
      }
    }
    // An ASCII JSON entry is parsed straight from the string; a non-ASCII one goes through UTF-8.
    const json = new Codec(options({ format: 'json' }));
    expect(json.decode('\x00{"a":[1,"x"]}')).toEqual({ a: [1, 'x'] });
    expect(json.decode(latin1(json.encode({ name: 'Zoë 🚀' }, 'k').bytes))).toEqual({ name: 'Zoë 🚀' });
    expect(json.decode('')).toBe(DECODE_FAILED);
    expect(json.decode('\x07{}')).toBe(DECODE_FAILED);
  });

  it('fuzz: 5,000 seeded random byte strings never throw, in both formats', () => {
    for (const format of ['v8', 'json'] as const) {
      const codec = new Codec(options({ format }));
      const random = seedrandom(`codec-fuzz-${format}`);
      let failures = 0;
      for (let i = 0; i < 5000; i++) {
        const length = Math.floor(random() * 64);
        const bytes = Uint8Array.from({ length }, () => Math.floor(random() * 256));
        // Half the strings get a valid marker so the payload decoders are exercised too.
        if (length > 0 && i % 2 === 0) bytes[0] = i % 4 === 0 ? MARKER_PLAIN : MARKER_ZLIB;
        let result: unknown;
        expect(() => (result = codec.decode(bytes))).not.toThrow();
        if (result === DECODE_FAILED) failures++;
      }
      // Most random strings are not valid entries; each failure was reported, none thrown.
      expect(failures).toBeGreaterThan(4000);
    }
  });
});

describe('Codec: timings', () => {
  it('times every encode, and one decode stage in DECODE_SAMPLE_EVERY, extrapolated to all calls', () => {
    let clock = 0;
    const timer = () => (clock += 1); // every reading is 1 ms after the previous one
    const codec = new Codec(options({ format: 'json', compressionThreshold: 100, timer }));
    const plain = codec.encode({ a: 1 }, 'k').bytes; // serialize: 1 ms
    const zipped = codec.encode('z'.repeat(500), 'k').bytes; // serialize 1 ms + deflate 1 ms
    expect(codec.stats).toMatchObject({ serializationTimeMs: 2, compressionTimeMs: 1, deserializationTimeMs: 0, decompressionTimeMs: 0 });
    for (let i = 0; i < 2 * DECODE_SAMPLE_EVERY; i++) codec.decode(plain); // 2 sampled, 1 ms each
    codec.decode(zipped); // 3rd sample of deserialize; 1st (sampled) inflate
    const stats = codec.stats;
    expect(stats.deserializationTimeMs).toBe(1 * (2 * DECODE_SAMPLE_EVERY + 1));
    expect(stats.decompressionTimeMs).toBe(1);
  });
});
