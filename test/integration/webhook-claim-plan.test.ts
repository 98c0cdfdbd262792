import type { EntityManager } from "@mikro-orm/core";
import { storeOf } from "../../src/domain/ports/store";
import { testDatabaseKind } from "../helpers/database";
import { scimTenant } from "../helpers/scim";
import { startTestServer, type TestServer } from "../helpers/server";

const DELIVERED = 5_000;

/**
 * A dispatcher round leases each endpoint's first due deliveries (store/sql/event-sql.ts
 * claimDeliveries). Written as `join webhook_delivery x on x.id in (select … where c.endpoint_id =
 * w.id …)`, PostgreSQL ran the correlated select as a subplan for every row of webhook_delivery:
 * every delivery ever kept was read at each round, the select run once per row. Under the bench's
 * stream of creates a round took seconds and deliveries waited for it. The select is a LATERAL
 * subquery now, run once per endpoint, and reads only the pending deliveries it leases.
 */
(testDatabaseKind() === "postgres" ? describe : describe.skip)("the claim of due deliveries (PostgreSQL plan)", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.close());

  /**
   * Runs `work` in a transaction and counts the rows it read of webhook_delivery: the difference
   * of the transaction's counters around it (PostgreSQL 15 may show earlier transactions of the
   * same connection in them until it flushes its statistics, so the count alone would not do).
   */
  async function readsOf<T>(work: (tx: EntityManager) => Promise<T>): Promise<{ result: T; read: number }> {
    return server.built.orm.em.fork().transactional(async (tx) => {
      const reads = async () => {
        const [stats] = await tx.getConnection().execute(
          `select seq_tup_read + coalesce(idx_tup_fetch, 0) as rows from pg_stat_xact_user_tables where relname = 'webhook_delivery'`, [], "all", tx.getTransactionContext());
        return Number(stats?.rows ?? 0);
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
    const connection = server.built.orm.em.fork().getConnection();
    await insertEndpoint(organizationId, "we-stale");
    // Analyzed while every delivery was delivered (autovacuum's view after a quiet spell)…
    await connection.execute(
      `insert into webhook_delivery (id, endpoint_id, event_id, event_position, event_type, ordering_key, status, attempts, next_attempt_at, attempt_log, created_at)
       select 's' || i, 'we-stale', 'es' || i, 200000 + i, 'user.create', 'us' || i, 'succeeded', 1, now() - interval '1 minute', '[]', now()
       from generate_series(1, ${DELIVERED}) i`);
    await connection.execute(`analyze webhook_delivery`);
    // …then a burst of creates: 2,000 pending deliveries, one per new user, before the next analyze.
    await connection.execute(
      `insert into webhook_delivery (id, endpoint_id, event_id, event_position, event_type, ordering_key, status, attempts, next_attempt_at, attempt_log, created_at)
       select 'p' || i, 'we-stale', 'ep' || i, 300000 + i, 'user.create', 'up' || i, 'pending', 0, now() - interval '1 minute', '[]', now()
       from generate_series(1, 2000) i`);
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

  it("counts the endpoints with deliveries due without reading their backlogs", async () => {
    const { organizationId } = await scimTenant(server, "Backlog");
    const endpointsDue = () => readsOf((tx) => storeOf(tx).events.endpointsWithDeliveriesDue(tx, new Date()));
    const before = await endpointsDue();
    const connection = server.built.orm.em.fork().getConnection();
    await insertEndpoint(organizationId, "we-backlog");
    // A backlog: 5,000 pending deliveries, all due (a stream of creates outrunning delivery).
    await connection.execute(
      `insert into webhook_delivery (id, endpoint_id, event_id, event_position, event_type, ordering_key, status, attempts, next_attempt_at, attempt_log, created_at)
       select 'b' || i, 'we-backlog', 'eb' || i, 100000 + i, 'user.create', 'ub' || i, 'pending', 0, now() - interval '1 minute', '[]', now()
       from generate_series(1, ${DELIVERED}) i`);
    await connection.execute(`analyze webhook_delivery`);
    const after = await endpointsDue();
    expect(after.result - before.result).toBe(1);
    // A probe per endpoint that stops at its first due delivery; counted over the deliveries, the
    // whole backlog was read at every dispatcher round.
    expect(after.read).toBeLessThan(50);
  });
});
