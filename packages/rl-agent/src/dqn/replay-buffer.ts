/**
 * Experience replay in typed arrays: a ring of (obs, action, reward, nextObs, terminated).
 * `terminated` is stored, `truncated` is not: a truncated transition bootstraps like any other.
 * Sampling is uniform with replacement from a seeded generator and writes into a reused batch.
 */
import type { PRNG } from 'seedrandom';

export interface ReplayBatch {
  size: number;
  obs: Float32Array;
  nextObs: Float32Array;
  actions: Int32Array;
  rewards: Float32Array;
  /** 1 where the episode terminated after the transition (no bootstrap), else 0. */
  dones: Float32Array;
}

/** A replay buffer's contents: the first `filled` transitions of each array. */
export interface ReplayBufferSnapshot {
  position: number;
  filled: number;
  obs: Float32Array;
  nextObs: Float32Array;
  actions: Int32Array;
  rewards: Float32Array;
  dones: Uint8Array;
}

export class ReplayBuffer {
  private readonly obs: Float32Array;
  private readonly nextObs: Float32Array;
  private readonly actions: Int32Array;
  private readonly rewards: Float32Array;
  private readonly dones: Uint8Array;
  private position = 0;
  private filled = 0;

  constructor(
    readonly capacity: number,
    readonly obsSize: number,
  ) {
    this.obs = new Float32Array(capacity * obsSize);
    this.nextObs = new Float32Array(capacity * obsSize);
    this.actions = new Int32Array(capacity);
    this.rewards = new Float32Array(capacity);
    this.dones = new Uint8Array(capacity);
  }

  get size(): number {
    return this.filled;
  }

  add(obs: Float32Array, action: number, reward: number, nextObs: Float32Array, terminated: boolean): void {
    const i = this.position;
    this.obs.set(obs, i * this.obsSize);
    this.nextObs.set(nextObs, i * this.obsSize);
    this.actions[i] = action;
    this.rewards[i] = reward;
    this.dones[i] = terminated ? 1 : 0;
    this.position = (i + 1) % this.capacity;
    if (this.filled < this.capacity) this.filled++;
  }

  allocateBatch(size: number): ReplayBatch {
    return {
      size,
      obs: new Float32Array(size * this.obsSize),
      nextObs: new Float32Array(size * this.obsSize),
      actions: new Int32Array(size),
      rewards: new Float32Array(size),
      dones: new Float32Array(size),
    };
  }

  /** The stored transitions and the write position, as views (for a resume checkpoint). */
  snapshot(): ReplayBufferSnapshot {
    const n = this.filled;
    const d = this.obsSize;
    return {
      position: this.position,
      filled: n,
      obs: this.obs.subarray(0, n * d),
      nextObs: this.nextObs.subarray(0, n * d),
      actions: this.actions.subarray(0, n),
      rewards: this.rewards.subarray(0, n),
      dones: this.dones.subarray(0, n),
    };
  }

  /** Puts back what `snapshot` returned (a buffer of the same capacity and observation size). */
  restore(snapshot: ReplayBufferSnapshot): void {
    const n = snapshot.filled;
    const d = this.obsSize;
    if (n > this.capacity || snapshot.position >= this.capacity || snapshot.obs.length !== n * d || snapshot.actions.length !== n) {
      throw new RangeError(`replay buffer snapshot of ${n} transitions does not fit a buffer of ${this.capacity} × ${d}`);
    }
    this.obs.set(snapshot.obs);
    this.nextObs.set(snapshot.nextObs);
    this.actions.set(snapshot.actions);
    this.rewards.set(snapshot.rewards);
    this.dones.set(snapshot.dones);
    this.position = snapshot.position;
    this.filled = n;
  }

  /** Fills `batch` with `batch.size` transitions drawn uniformly (with replacement). */
  sample(rng: PRNG, batch: ReplayBatch): ReplayBatch {
    if (this.filled === 0) throw new RangeError('cannot sample from an empty replay buffer');
    const d = this.obsSize;
    for (let b = 0; b < batch.size; b++) {
      const i = Math.floor(rng() * this.filled);
      batch.obs.set(this.obs.subarray(i * d, i * d + d), b * d);
      batch.nextObs.set(this.nextObs.subarray(i * d, i * d + d), b * d);
      batch.actions[b] = this.actions[i]!;
      batch.rewards[b] = this.rewards[i]!;
      batch.dones[b] = this.dones[i]!;
    }
    return batch;
  }
}
