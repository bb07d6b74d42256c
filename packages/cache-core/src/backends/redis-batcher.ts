/**
 * Coalesces the gets and sets issued within one turn of the event loop into one Lua call per
 * shard and run (up to `maxBatch` items each). A script call costs the server a few µs of fixed
 * overhead, far more than one GET; batching makes 100 concurrent gets cost about one getMany.
 *
 * Order is kept per shard: consecutive items of the same kind form a run, runs are sent in the
 * order they were queued, and ioredis sends the calls of one slot down one connection in order.
 * Any other operation calls `flush()` first, so it cannot overtake a queued get or set.
 */
export type RunKind = 'get' | 'set';
export type ScriptArg = string | number | Buffer;

export interface QueuedItem {
  /** The script arguments of this item (one key for a get, five values for a set). */
  args: ScriptArg[];
  /** Called once with the whole reply (undefined when the call failed) and this item's index in it. */
  settle(reply: unknown[] | undefined, index: number): void;
}

interface Run {
  kind: RunKind;
  items: QueuedItem[];
}

export type SendRun = (shard: number, kind: RunKind, items: QueuedItem[]) => void;

export class ShardBatcher {
  private runs = new Map<number, Run[]>();
  private scheduled: NodeJS.Immediate | undefined;

  constructor(
    private readonly maxBatch: number,
    private readonly send: SendRun,
  ) {}

  enqueue(shard: number, kind: RunKind, item: QueuedItem): void {
    let runs = this.runs.get(shard);
    if (!runs) this.runs.set(shard, (runs = []));
    const last = runs[runs.length - 1];
    if (last && last.kind === kind && last.items.length < this.maxBatch) last.items.push(item);
    else runs.push({ kind, items: [item] });
    // setImmediate rather than nextTick: callers that await something before reaching the
    // backend (as the manager may) still join the same batch.
this.scheduled ??= setImmediate(() => this.flush());
  }

  /** Sends everything queued, now. */
  flush(): void {
    if (this.scheduled) {
      clearImmediate(this.scheduled);
      this.scheduled = undefined;
    }
    if (this.runs.size === 0) return;
    const runs = this.runs;
    this.runs = new Map();
    for (const [shard, shardRuns] of runs) for (const run of shardRuns) this.send(shard, run.kind, run.items);
  }
}
