/** How a store opens, checks and closes one of its read connections (sqlite/readers.ts, postgres/readers.ts). */
export interface ReaderConnector<C> {
  open(): Promise<C>;
  close(connection: C): Promise<void>;
  /** A connection that can no longer run statements (its server went away): it is opened again before its next use. */
  isBroken(connection: C): boolean;
}

interface Reader<C> {
  readonly name: string;
  connection: C;
}

/** How busy the readers are at one instant (store/pool-stats.ts). */
export interface ReaderStats {
  inUse: number;
  free: number;
  pendingAcquires: number;
  max: number;
}

/**
 * The read connections of the store's hand-written statements (lookups, searches, credential
 * checks): each runs one statement at a time, and a statement that finds them all busy waits in one
 * FIFO for the next to finish. They are opened on the first read, so a process that never reads
 * this way (a migration) opens none.
 *
 * They are not taken from MikroORM's pool: acquiring from it (knex, then tarn, with a timer for
 * each waiting acquire) cost about 40 µs a statement on SQLite and more on PostgreSQL — as much
 * as the indexed read itself, and every SCIM request runs two. MikroORM's own queries keep its pool.
 */
export class StoreReaders<C> {
  private opening: Promise<void> | null = null;
  private ready = false;
  private readers: Array<Reader<C>> = [];
  private readonly idle: Array<Reader<C>> = [];
  private readonly waiting: Array<(reader: Reader<C>) => void> = [];

  constructor(private readonly count: number, private readonly connector: ReaderConnector<C>) {}

  /** Runs `work` on an idle reader (waiting for one when all are busy); the reader's name is for the query log. */
  async use<T>(work: (connection: C, name: string) => Promise<T>): Promise<T> {
    const reader = await this.take();
    try {
      if (this.connector.isBroken(reader.connection)) reader.connection = await this.reopen(reader.connection);
      return await work(reader.connection, reader.name);
    } finally {
      this.giveBack(reader);
    }
  }

  stats(): ReaderStats {
    return { inUse: this.readers.length - this.idle.length, free: this.idle.length, pendingAcquires: this.waiting.length, max: this.count };
  }

  /** Closes the readers (each after the statement running on it, if any). */
  async close(): Promise<void> {
    await this.opening?.catch(() => undefined);
    const readers = this.readers;
    this.readers = [];
    this.idle.length = 0;
    this.ready = false;
    this.opening = null;
    await Promise.all(readers.map((reader) => this.connector.close(reader.connection).catch(() => undefined)));
  }

  private async take(): Promise<Reader<C>> {
    if (!this.ready) await (this.opening ??= this.openAll());
    return this.idle.pop() ?? new Promise<Reader<C>>((resolve) => this.waiting.push(resolve));
  }

  private giveBack(reader: Reader<C>): void {
    const next = this.waiting.shift();
    if (next) next(reader);
    else this.idle.push(reader);
  }

  private async reopen(broken: C): Promise<C> {
    await this.connector.close(broken).catch(() => undefined);
    return this.connector.open();
  }

  private async openAll(): Promise<void> {
    const opened = await Promise.allSettled(Array.from({ length: this.count }, () => this.connector.open()));
    const connections = opened.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
    const failed = opened.find((result): result is PromiseRejectedResult => result.status === "rejected");
    if (failed) {
      this.opening = null;
      await Promise.all(connections.map((connection) => this.connector.close(connection).catch(() => undefined)));
      throw failed.reason;
    }
    this.readers = connections.map((connection, i) => ({ name: `reader-${i + 1}`, connection }));
    this.idle.push(...this.readers);
    this.ready = true;
  }
}
