import { IsolationLevel, type EntityManager } from "@mikro-orm/core";
import { v7 as uuidv7 } from "uuid";
import { storeOf } from "../../src/domain/ports/store";
import { testDatabaseKind } from "../helpers/database";
import { startQuietDispatcher } from "../helpers/dispatcher";
import { scimTenant } from "../helpers/scim";
import { startTestServer, type TestServer } from "../helpers/server";

const DELIVERED = 5_000;

/** The rows of webhook_delivery the transaction read, by scans and through indexes. */
const DELIVERY_ROWS_READ = `select seq_tup_read + coalesce(idx_tup_fetch, 0) as n from pg_stat_xact_user_tables where relname = 'webhook_delivery'`;
/** The entries the transaction read of the index of events by position, live or not (a count of rows fetched would miss the dead ones). */
const POSITION_INDEX_ENTRIES_READ = `select pg_stat_get_xact_tuples_returned('audit_event_position_id_index'::regclass) as n`;

/**
 * A dispatcher round leases each endpoint's first due deliveries (store/sql/event-sql.ts
 * claimDeliveries). Written as `join webhook_delivery x on x.id in (select … where c.endpoint_id =
 * w.id …)`, PostgreSQL ran the correlated select as a subplan for every row of webhook_delivery:
 * every delivery ever kept was read at each round, the select run once per row. Under the bench's
 * stream of creates a round took seconds and deliveries waited for it. The select is a LATERAL
 * subquery now, run once per endpoint, and reads only the pending deliveries it leases.
 *
 * Each round also asks whether events wait for their positions (hasUnsequencedEvents). Every
 * statement of a round is checked here by what PostgreSQL reads for it.
 */
(testDatabaseKind() === "postgres" ? describe : describe.skip)("a webhook dispatch round's reads (PostgreSQL plans)", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.close());

  /**
   * Runs `work` in a transaction and counts what it read: by default the rows of webhook_delivery;
   * given `counter`, that SQL's count (one row, column `n`). The difference of the transaction's
   * counters around it (PostgreSQL 15 may show earlier transactions of the same connection in them
   * until it flushes its statistics, so the count alone would not do).
   */
  async function readsOf<T>(work: (tx: EntityManager) => Promise<T>, counter = DELIVERY_ROWS_READ): Promise<{ result: T; read: number }> {
    return server.built.orm.em.fork().transactional(async (tx) => {
      const reads = async () => {
        const [stats] = await tx.getConnection().execute(counter, [], "all", tx.getTransactionContext());
        return Number(stats?.n ?? 0);
      };
      const before = await reads();
      const result = await work(tx);
      return { result, read: (await reads()) - before };
    });
  }

  /** An enabled endpoint of the organization, written straight to the table (no secret to open: nothing is sent). */
  async function insertEndpoint(organizationId: string, id: string): Promise<void> {
    await server.built.orm.em.fork().getConnection().execute(
      `insert into webhook_endpoint (id, organization_id, url, enabled, sealed_secret, created_at, updated_at)
       values (?, ?, 'https://receiver.test/hook', true, 'sealed', now(), now())`, [id, organizationId]);
  }

  /** `count` deliveries of the endpoint, due a minute ago, each of its own user: ids `<prefix>1…`, positions after `afterPosition`. */
  async function insertDeliveries(endpointId: string, prefix: string, count: number, afterPosition: number, status: "pending" | "succeeded"): Promise<void> {
    await server.built.orm.em.fork().getConnection().execute(
      `insert into webhook_delivery (id, endpoint_id, event_id, event_position, event_type, ordering_key, status, attempts, next_attempt_at, attempt_log, created_at)
       select ?::text || i, ?, 'e' || ?::text || i, ?::bigint + i, 'user.create', 'u' || ?::text || i, ?, ?, now() - interval '1 minute', '[]', now()
       from generate_series(1, ?::int) i`, [prefix, endpointId, prefix, afterPosition, prefix, status, status === "pending" ? 0 : 1, count]);
  }

  it("reads an endpoint's pending deliveries, not every delivery it has had", async () => {
    const { organizationId } = await scimTenant(server, "Many deliveries");
    const connection = server.built.orm.em.fork().getConnection();
    await insertEndpoint(organizationId, "we1");
    // Delivered long ago, and three pending: two of one user (in order), one of another.
    await connection.execute(
      `insert into webhook_delivery (id, endpoint_id, event_id, event_position, event_type, ordering_key, status, attempts, next_attempt_at, attempt_log, created_at)
       select 'd' || i, 'we1', 'e' || i, i, 'user.create', 'u' || (i % 50), case when i > ${DELIVERED} then 'pending' else 'succeeded' end,
         1, now() - interval '1 minute', '[]', now()
       from generate_series(1, ${DELIVERED + 3}) i`);
    await connection.execute(`update webhook_delivery set ordering_key = 'same' where id in ('d${DELIVERED + 1}', 'd${DELIVERED + 2}')`);
    await connection.execute(`analyze webhook_delivery`);

    const { result: claimed, read } = await readsOf((tx) => {
      const now = new Date();
      return storeOf(tx).events.claimDeliveries(tx, "plan-test", now, new Date(now.getTime() + 60_000), { limit: 16, perEndpoint: 16, excludedEndpoints: [] });
    });
    expect(claimed.map((c) => c.id).sort()).toEqual([`d${DELIVERED + 1}`, `d${DELIVERED + 3}`]);
    // The pending ones and their index probes; before, every one of the 5,003 rows, and more.
    expect(read).toBeLessThan(50);
  });

  it("leases a fresh backlog by index even when the statistics still say almost nothing is pending", async () => {
    const { organizationId } = await scimTenant(server, "Stale statistics");
    await insertEndpoint(organizationId, "we-stale");
    // Analyzed while every delivery was delivered (autovacuum's view after a quiet spell)…
    await insertDeliveries("we-stale", "s", DELIVERED, 200_000, "succeeded");
    await server.built.orm.em.fork().getConnection().execute(`analyze webhook_delivery`);
    // …then a burst of creates: 2,000 pending deliveries, one per new user, before the next analyze.
    await insertDeliveries("we-stale", "p", 2_000, 300_000, "pending");
    const { result: claimed, read } = await readsOf((tx) => {
      const now = new Date();
      return storeOf(tx).events.claimDeliveries(tx, "stale-test", now, new Date(now.getTime() + 60_000), { limit: 64, perEndpoint: 64, excludedEndpoints: [] });
    });
    expect(claimed).toHaveLength(64);
    // The 64 leased rows, read and updated, and an index probe per candidate for an earlier
    // pending delivery of its user; a plan trusting the stale statistics read the whole pending
    // backlog for every candidate (tens of thousands of rows a round).
    expect(read).toBeLessThan(400);
  });

  /** Events of the organization, waiting for their positions, with the given ids, written in `tx`. */
  const insertEvents = (tx: EntityManager, organizationId: string, ids: string[]) => tx.getConnection().execute(
    `insert into audit_event (id, organization_id, type, actor_type, target_type, target_id, created_at)
     select value, ?, 'scim.member.create', 'system', 'user', value, now() from jsonb_array_elements_text(?::jsonb)`,
    [organizationId, JSON.stringify(ids)], "run", tx.getTransactionContext());
  /** The event's position, read through `em` (in its transaction, if it has one); null while it waits. */
  const positionOf = async (em: EntityManager, id: string) =>
    ((await em.getConnection().execute(`select position from audit_event where id = ?`, [id], "all", em.getTransactionContext())) as Array<{ position: unknown }>)[0].position;
  /** Ids of events created `msAgo` milliseconds ago (UUIDv7, as the server makes them). */
  const idsCreated = (count: number, msAgo: number) => Array.from({ length: count }, () => uuidv7({ msecs: Date.now() - msAgo }));

  it("finds the events waiting for their positions without stepping over the events sequenced before them", async () => {
    const { organizationId } = await scimTenant(server, "Sequenced");
    await server.built.orm.em.fork().transactional((tx) => insertEvents(tx, organizationId, idsCreated(3_000, 60_000)));
    // A transaction older than the sequencing, as under load there always is one: the versions the
    // sequencing leaves behind stay visible to it, so no scan may mark their index entries dead.
    const { check, recentPass } = await server.built.orm.em.fork().transactional(async (older) => {
      await older.getConnection().execute("select 1", [], "all", older.getTransactionContext());
      // 3,000 events sequenced: each leaves its unsequenced index entry behind until a VACUUM.
      await server.built.orm.em.fork().transactional(async (tx) => {
        while ((await storeOf(tx).events.sequenceEvents(tx, 1_000, new Date(), null)) > 0);
      });
      // Each look with an event waiting, written in its own transaction (the server's dispatcher cannot sequence it first).
      const check = await readsOf(async (tx) => {
        await insertEvents(tx, organizationId, idsCreated(1, 0));
        return storeOf(tx).events.hasUnsequencedEvents(tx, null);
      }, POSITION_INDEX_ENTRIES_READ);
      const recentPass = await readsOf(async (tx) => {
        await insertEvents(tx, organizationId, idsCreated(1, 0));
        return storeOf(tx).events.sequenceEvents(tx, 1_000, new Date(), new Date(Date.now() - 10_000));
      }, POSITION_INDEX_ENTRIES_READ);
      return { check, recentPass };
    }, { isolationLevel: IsolationLevel.REPEATABLE_READ });
    // Whether any waits (over all events): the newest end of the range, the waiting one first.
    expect(check.result).toBe(true);
    expect(check.read).toBeLessThan(10);
    // A recent pass starts at its window's first id: the entries of the 3,000, created a minute
    // ago, are not in its way (the window's own are: this test's tenant's events). Before, each
    // look and each pass visited all of them.
    expect(recentPass.result).toBeGreaterThanOrEqual(1);
    expect(recentPass.read).toBeLessThan(50);
  });

  it("leaves an event created before the recent window to a pass over all events", async () => {
    const { organizationId } = await scimTenant(server, "Late commit");
    const [late] = idsCreated(1, 120_000);
    const positions = await server.built.orm.em.fork().transactional(async (tx) => {
      const events = storeOf(tx).events;
      // Its transaction ran two minutes: it commits (here, becomes visible) long after its id was made.
      await insertEvents(tx, organizationId, [late]);
      await events.sequenceEvents(tx, 1_000, new Date(), new Date(Date.now() - 10_000));
      const afterRecent = await positionOf(tx, late);
      const seenByAll = await events.hasUnsequencedEvents(tx, null);
      await events.sequenceEvents(tx, 1_000, new Date(), null);
      return { afterRecent, seenByAll, afterAll: await positionOf(tx, late) };
    });
    expect(positions).toEqual({ afterRecent: null, seenByAll: true, afterAll: expect.anything() });
    expect(Number(positions.afterAll)).toBeGreaterThan(0);
  });

  it("has every dispatcher sequence an event created before the recent window within a full pass's interval", async () => {
    const { organizationId } = await scimTenant(server, "Long transaction");
    // A dispatcher passing over all events every 300 ms (the test server runs none; its process's next full pass is a minute away).
    const dispatcher = startQuietDispatcher(server.built.orm, { fullPassMs: 300 });
    try {
      await new Promise((resolve) => setTimeout(resolve, 400));
      // Committed now, made two minutes ago: a transaction that ran long. Recent passes never reach it.
      const [late] = idsCreated(1, 120_000);
      await server.built.orm.em.fork().transactional((tx) => insertEvents(tx, organizationId, [late]));
      const position = () => positionOf(server.built.orm.em.fork(), late);
      const deadline = Date.now() + 5_000;
      while ((await position()) === null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(Number(await position())).toBeGreaterThan(0);
    } finally {
      await dispatcher.stop();
    }
  });

  it("counts the endpoints with deliveries due without reading their backlogs", async () => {
    const { organizationId } = await scimTenant(server, "Backlog");
    const endpointsDue = () => readsOf((tx) => storeOf(tx).events.endpointsWithDeliveriesDue(tx, new Date()));
    const before = await endpointsDue();
    await insertEndpoint(organizationId, "we-backlog");
    // A backlog: 5,000 pending deliveries, all due (a stream of creates outrunning delivery).
    await insertDeliveries("we-backlog", "b", DELIVERED, 100_000, "pending");
    await server.built.orm.em.fork().getConnection().execute(`analyze webhook_delivery`);
    const after = await endpointsDue();
    expect(after.result - before.result).toBe(1);
    // A probe per endpoint that stops at its first due delivery; counted over the deliveries, the
    // whole backlog was read at every dispatcher round.
    expect(after.read).toBeLessThan(50);
  });
});
