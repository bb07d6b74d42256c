/**
 * Time source for TTLs. Everything that expires reads `now()` (milliseconds) from an injected
 * clock, so tests move time with `ManualClock.advance` instead of sleeping.
 */
export interface Clock {
  /** Current time in milliseconds (any fixed origin; only differences matter). */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told to: for tests and simulations. */
export class ManualClock implements Clock {
  constructor(private time = 0) {}
  now(): number {
    return this.time;
  }
  /** Moves time forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.time += ms;
  }
}
