/**
 * Guards against a slow producer overwriting a newer write. A getOrSet factory or a prefetch
 * fetch takes time; a `set` or `delete` of the same key that lands meanwhile is newer than what
 * the producer computed (a delete is usually an invalidation: the data changed). Storing the
 * producer's result afterwards would bring the stale value back, until its TTL. So each producer
 * holds a ticket for its key; a direct write to that key moves the key's generation on, and a
 * producer whose ticket is no longer current hands its result to its callers without storing it.
 * Producers of one key also race each other (a prefetch fetch started before a getOrSet factory
 * that finishes first): the one that started last wins, so an older result never overwrites a
 * newer producer's stored value. A producer `claim`s its store; older ones are then not current.
 *
 * Only keys with a producer in flight are tracked, so `wrote` is one Map lookup on an (almost
 * always) empty Map.
 */
export interface WriteTicket {
  readonly key: string;
  readonly generation: number;
  /** Start order among the key's producers (0, 1, … while the key is watched). */
  readonly start: number;
}

interface Watched {
  producers: number;
  generation: number;
  nextStart: number;
  /** `start` of the newest producer that claimed a store (-1: none). */
  newestStored: number;
}

export class WriteGenerations {
  private readonly watched = new Map<string, Watched>();

  /** A producer for `key` starts. Release the ticket when it ends, whatever the outcome. */
  begin(key: string): WriteTicket {
    let watched = this.watched.get(key);
    if (!watched) this.watched.set(key, (watched = { producers: 0, generation: 0, nextStart: 0, newestStored: -1 }));
    watched.producers++;
    return { key, generation: watched.generation, start: watched.nextStart++ };
  }

  /** A direct write (set, delete) to `key`: newer than anything a producer started before it. */
  wrote(key: string): void {
    const watched = this.watched.get(key);
    if (watched) watched.generation++;
  }

  /** True when no direct write to the ticket's key happened since it began, nor a store by a producer that began later. */
  isCurrent(ticket: WriteTicket): boolean {
    const watched = this.watched.get(ticket.key);
    return watched !== undefined && watched.generation === ticket.generation && ticket.start > watched.newestStored;
  }

  /**
   * Called right before a current producer stores: from then on every producer of the key that
   * began before it is stale (returns false, storing nothing, when the ticket is not current).
   */
  claim(ticket: WriteTicket): boolean {
    if (!this.isCurrent(ticket)) return false;
    this.watched.get(ticket.key)!.newestStored = ticket.start;
    return true;
  }

  release(ticket: WriteTicket): void {
    const watched = this.watched.get(ticket.key);
    if (watched && --watched.producers === 0) this.watched.delete(ticket.key);
  }
}
