/**
 * Guards against a slow producer overwriting a newer write. A getOrSet factory or a prefetch
 * fetch takes time; a `set` or `delete` of the same key that lands meanwhile is newer than what
 * the producer computed (a delete is usually an invalidation: the data changed). Storing the
 * producer's result afterwards would bring the stale value back, until its TTL. So each producer
 * holds a ticket for its key; a direct write to that key moves the key's generation on, and a
 * producer whose ticket is no longer current hands its result to its callers without storing it.
 *
 * Only keys with a producer in flight are tracked, so `wrote` is one Map lookup on an (almost
 * always) empty Map.
 */
export interface WriteTicket {
  readonly key: string;
  readonly generation: number;
}

interface Watched {
  producers: number;
  generation: number;
}

export class WriteGenerations {
  private readonly watched = new Map<string, Watched>();

  /** A producer for `key` starts. Release the ticket when it ends, whatever the outcome. */
  begin(key: string): WriteTicket {
    let watched = this.watched.get(key);
    if (!watched) this.watched.set(key, (watched = { producers: 0, generation: 0 }));
    watched.producers++;
    return { key, generation: watched.generation };
  }

  /** A direct write (set, delete) to `key`: newer than anything a producer started before it. */
  wrote(key: string): void {
    const watched = this.watched.get(key);
    if (watched) watched.generation++;
  }

  /** True when no direct write to the ticket's key happened since it began. */
  isCurrent(ticket: WriteTicket): boolean {
    return this.watched.get(ticket.key)?.generation === ticket.generation;
  }

  release(ticket: WriteTicket): void {
    const watched = this.watched.get(ticket.key);
    if (watched && --watched.producers === 0) this.watched.delete(ticket.key);
  }
}
