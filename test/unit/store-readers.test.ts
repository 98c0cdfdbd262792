import { StoreReaders, type ReaderConnector } from "../../src/store/sql/readers";

interface FakeConnection {
  id: number;
  broken: boolean;
  closed: boolean;
  running: number;
}

function fakeConnector(options: { failOpening?: number[] } = {}) {
  const opened: FakeConnection[] = [];
  const connector: ReaderConnector<FakeConnection> = {
    async open() {
      const id = opened.length + 1;
      const connection = { id, broken: false, closed: false, running: 0 };
      opened.push(connection);
      if (options.failOpening?.includes(id)) throw new Error(`cannot open ${id}`);
      return connection;
    },
    async close(connection) {
      connection.closed = true;
    },
    isBroken: (connection) => connection.broken,
  };
  return { connector, opened };
}

/** A statement that holds its connection until released, recording that no connection runs two at once. */
function heldStatements() {
  const releases: Array<() => void> = [];
  const order: number[] = [];
  let overlap = false;
  const statement = (n: number) => async (connection: FakeConnection, name: string) => {
    connection.running += 1;
    if (connection.running > 1) overlap = true;
    order.push(n);
    await new Promise<void>((resolve) => releases.push(resolve));
    connection.running -= 1;
    return `${n} on ${name}`;
  };
  const releaseOne = async () => {
    releases.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { statement, releaseOne, order, overlap: () => overlap };
}

describe("the store's readers", () => {
  it("opens its connections on the first statement, not before", async () => {
    const { connector, opened } = fakeConnector();
    const readers = new StoreReaders(3, connector);
    expect(opened).toHaveLength(0);
    await expect(readers.use(async (_c, name) => name)).resolves.toMatch(/^reader-[123]$/);
    expect(opened).toHaveLength(3);
    await readers.close();
    expect(opened.every((c) => c.closed)).toBe(true);
  });

  it("runs one statement per connection; the rest wait, and start in arrival order", async () => {
    const { connector } = fakeConnector();
    const readers = new StoreReaders(2, connector);
    const held = heldStatements();
    const results = [1, 2, 3, 4, 5].map((n) => readers.use(held.statement(n)));
    await new Promise((resolve) => setImmediate(resolve));
    expect(held.order).toEqual([1, 2]);
    expect(readers.stats()).toEqual({ inUse: 2, free: 0, pendingAcquires: 3, max: 2 });
    for (let i = 0; i < 5; i += 1) await held.releaseOne();
    expect(held.order).toEqual([1, 2, 3, 4, 5]);
    expect(held.overlap()).toBe(false);
    expect((await Promise.all(results)).map((r) => r.split(" ")[0])).toEqual(["1", "2", "3", "4", "5"]);
    expect(readers.stats()).toEqual({ inUse: 0, free: 2, pendingAcquires: 0, max: 2 });
    await readers.close();
  });

  it("gives a connection back when its statement fails", async () => {
    const { connector } = fakeConnector();
    const readers = new StoreReaders(1, connector);
    await expect(readers.use(async () => { throw new Error("no such column"); })).rejects.toThrow("no such column");
    await expect(readers.use(async () => "next")).resolves.toBe("next");
    await readers.close();
  });

  it("opens a broken connection again before its next statement", async () => {
    const { connector, opened } = fakeConnector();
    const readers = new StoreReaders(1, connector);
    const first = await readers.use(async (connection) => connection);
    first.broken = true;
    const second = await readers.use(async (connection) => connection);
    expect(second).not.toBe(first);
    expect(first.closed).toBe(true);
    expect(opened).toHaveLength(2);
    await readers.close();
  });

  it("closes what it opened when one connection cannot open, and tries again on the next statement", async () => {
    const { connector, opened } = fakeConnector({ failOpening: [2] });
    const readers = new StoreReaders(2, connector);
    await expect(readers.use(async () => "never")).rejects.toThrow("cannot open 2");
    expect(opened.map((c) => c.closed)).toEqual([true, false]);
    await expect(readers.use(async (_c, name) => name)).resolves.toMatch(/^reader-[12]$/);
    expect(opened).toHaveLength(4);
    await readers.close();
  });
});
