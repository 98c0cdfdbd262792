import { v7 as uuidv7 } from "uuid";
import { SEQUENCE_BATCH } from "../../src/domain/events/sequence";
import { AuditEvent } from "../../src/store/entities";
import { testDatabaseKind } from "../helpers/database";
import { startQuietDispatcher } from "../helpers/dispatcher";
import { scimTenant } from "../helpers/scim";
import { startTestServer, type TestServer } from "../helpers/server";

/**
 * Events that became visible after the recent window had passed them (long transactions, a
 * process whose clock lags) wait for a pass over all events. One round sequences at most
 * SEQUENCE_BATCH of them; a backlog larger than that must be sequenced whole by the rounds that
 * follow at once, not one batch per full-pass interval (a minute). PostgreSQL only: on SQLite an
 * event takes its position as it is written (a trigger), so no event is ever late.
 */
(testDatabaseKind() === "postgres" ? describe : describe.skip)("a dispatcher's full pass over a backlog of late events (PostgreSQL)", () => {
  let server: TestServer;

  beforeAll(async () => {
    // The test server runs no dispatcher of its own: the one below is the only sequencer.
    server = await startTestServer();
  });
  afterAll(async () => server.close());

  it("sequences more late events than one round takes, in the rounds right after it", async () => {
    const { organizationId } = await scimTenant(server, "Late backlog");
    // Made two minutes ago, committed now: past the recent window, only a full pass reaches them.
    const madeAt = Date.now() - 120_000;
    const late = Array.from({ length: SEQUENCE_BATCH + 25 }, () => uuidv7({ msecs: madeAt }));
    const em = server.built.orm.em.fork();
    await em.insertMany(AuditEvent, late.map((id) => ({
      id, organizationId, type: "scim.member.create", actorType: "system", actorId: null, targetType: "user", targetId: id, data: null, createdAt: new Date(madeAt), position: null,
    })));
    const waiting = () => server.built.orm.em.fork().count(AuditEvent, { id: { $in: late }, position: null });
    expect(await waiting()).toBe(late.length);

    // Its first round passes over all events (this process has made no full pass yet); the next
    // full pass would be a minute later, well after the deadline below.
    const dispatcher = startQuietDispatcher(server.built.orm, { fullPassMs: 60_000 });
    try {
      const deadline = Date.now() + 10_000;
      while ((await waiting()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await waiting()).toBe(0);
    } finally {
      await dispatcher.stop();
    }
  });
});
