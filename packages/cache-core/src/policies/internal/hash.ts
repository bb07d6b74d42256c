/** 30-bit integer hash (murmur3 finalizer over key ^ seed): allocation-free, for sketches and filters. */
export function hashKey(key: number, seed: number): number {
  let x = Math.imul(key ^ seed, 0x9e3779b1);
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x & 0x3fffffff; // 30 bits: stays a small integer (no boxing)
}
