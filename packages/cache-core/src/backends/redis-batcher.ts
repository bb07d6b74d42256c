/**
 * Coalesces the gets and sets issued within one turn of the event loop into one Lua call per
 * shard and run (up to `maxBatch` items each). A script call costs the server a few µs of fixed
 * overhead, far more than one GET; batching makes 100 concurrent gets cost about one getMany.
 *
 * Order is kept per shard: consecutive items of the same kind form a run, runs are sent in the
 * order they were opened, and ioredis sends the calls of one slot down one connection in order.
 * Any other operation calls `flush()` first, so it cannot overtake a queued get or set.
 *
 * Nothing is allocated per item but the caller's promise: a run keeps its items in parallel
 * arrays (the script arguments as they will be sent, and where each result goes).
 */
export type RunKind = 'get' | 'set';
export type ScriptArg = string | number | Buffer;

/**
 * Collects the results of a getMany / setMany: `put(slot, value)` once per slot; resolves with
 * all of them, in slot order, when the last one arrives.
 */
export class Gather<T> {
  readonly results: T[];
  private left: number;

  constructor(
    size: number,
    private readonly resolve: (results: T[]) => void,
  ) {
    this.results = new Array<T>(size);
    this.left = size;
    if (size === 0) resolve(this.results);
  }

  put(slot: number, value: T): void {
    this.results[slot] = value;
    if (--this.left === 0) this.resolve(this.results);
  }
}

interface SlotSink {
  put(slot: number, value: never): void;
}

/** Where one item's result goes: a single call's resolve (slot -1) or a Gather (slot >= 0). */
export type Sink = ((value: never) => void) | SlotSink;

/** Hands `value` to the sink; the caller passes the type the sink was created for. */
export function deliver(sink: Sink, slot: number, value: unknown): void {
  if (slot < 0) (sink as (value: unknown) => void)(value);
  else (sink as unknown as Gather<unknown>).put(slot, value);
}

export interface Run {
  shard: number;
  kind: RunKind;
  /** The script arguments of the items, in order (one key per get, five values per set). */
  args: ScriptArg[];
  /** Per item: who receives its result, and its slot there (-1 for a single call). */
  sinks: Sink[];
  slots: number[];
}

export type SendRun = (run: Run) => void;

export class ShardBatcher {
  /** Runs in the order they were opened. */
  private runs: Run[] = [];
  /** Per shard, the run that items of that shard join next (undefined: open a new one). */
  private readonly open: (Run | undefined)[];
  private scheduled: NodeJS.Immediate | undefined;
  private readonly flushNow = () => this.flush();

  constructor(
    shards: number,
    private readonly maxBatch: number,
    private readonly send: SendRun,
  ) {
    this.open = new Array<Run | undefined>(shards).fill(undefined);
  }

  /**
   * The run a new item of `kind` on `shard` joins; the caller appends the item's arguments,
   * sink and slot. A new run is opened when the last one is of the other kind or full.
   */
  runFor(shard: number, kind: RunKind): Run {
    let run = this.open[shard];
    if (run === undefined || run.kind !== kind || run.sinks.length >= this.maxBatch) {
      run = { shard, kind, args: [], sinks: [], slots: [] };
      this.open[shard] = run;
      this.runs.push(run);
      // setImmediate rather than nextTick: callers that await something before reaching the
      // backend (as the manager may) still join the same batch.
      this.scheduled ??= setImmediate(this.flushNow);
    }
    return run;
  }

  /** Sends everything queued, now. */
  flush(): void {
    if (this.scheduled) {
      clearImmediate(this.scheduled);
      this.scheduled = undefined;
    }
    if (this.runs.length === 0) return;
    const runs = this.runs;
    this.runs = [];
    this.open.fill(undefined);
    for (const run of runs) this.send(run);
  }
}
