/** Growth helpers for key-indexed typed arrays (keys are dense ids; arrays double when a larger id arrives). */

export function grownSize(current: number, needed: number): number {
  return Math.max(needed, current * 2, 64);
}

export function growInt32(a: Int32Array, n: number, fill: number): Int32Array {
  const b = new Int32Array(n);
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

export function growUint32(a: Uint32Array, n: number): Uint32Array {
  const b = new Uint32Array(n);
  b.set(a);
  return b;
}

export function growUint8(a: Uint8Array, n: number): Uint8Array {
  const b = new Uint8Array(n);
  b.set(a);
  return b;
}

export function growFloat64(a: Float64Array, n: number, fill: number): Float64Array {
  const b = new Float64Array(n);
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}
