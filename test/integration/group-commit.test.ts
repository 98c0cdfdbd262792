import { UniqueConstraintViolationException } from "@mikro-orm/core";
import { CLI_ACTOR } from "../../src/domain/actor";
import { auditEvent } from "../../src/domain/audit";
import { AuditEvent, Organization, User } from "../../src/store/entities";
import { storeOf } from "../../src/domain/ports/store";
import { fixtures } from "../helpers/graph-fixtures";
import { startTestServer, type TestServer } from "../helpers/server";

/**
 * The insert path of create commands shares one transaction between commands that arrive while
 * the writer is busy. On the real database: each command still gets exactly its own outcome.
 */
describe("group commit of insert-only commands", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.close());

  /** A user of `org` and its audit event, as createUser builds them. */
  function userCommand(org: string, userName: string): object[] {
    const em = server.built.orm.em.fork();
    const user = Object.assign(new User(), { organization: em.getReference(Organization, org), userName, userNameKey: userName.toLowerCase() });
    return [user, auditEvent(CLI_ACTOR, { type: "user.create", organizationId: org, targetType: "user", targetId: user.id, data: { userName } })];
  }
  const insert = (entities: object[]) => storeOf(server.built.orm.em).insertAll(server.built.orm.em.fork(), entities);
  const usersNamed = (names: string[]) => server.built.orm.em.fork().find(User, { userName: { $in: names } });
  const eventsFor = async (users: object[]) =>
    server.built.orm.em.fork().count(AuditEvent, { targetId: { $in: users.map((entities) => (entities as User[])[0].id) } });

  it("writes the commands handed over in one turn of the event loop with one multi-row INSERT per table", async () => {
    const org = await fixtures(server).organization("Acme");
    const commands = ["a", "b", "c", "d"].map((n) => userCommand(org, `gc-${n}@acme.test`));
    const statements = await server.captureQueries(() => Promise.all(commands.map(insert)));
    const inserts = statements.filter((sql) => sql.startsWith('insert into "user"'));
    expect(inserts).toHaveLength(1);
    expect(inserts[0].match(/\), \(/g)).toHaveLength(3);
    expect(statements.filter((sql) => sql.startsWith("commit"))).toHaveLength(1);
    expect(await usersNamed(["gc-a@acme.test", "gc-b@acme.test", "gc-c@acme.test", "gc-d@acme.test"])).toHaveLength(4);
    expect(await eventsFor(commands)).toBe(4);
  });

  it("stores every value exactly as given, whatever it holds (the transaction goes as one text with values written in)", async () => {
    const org = await fixtures(server).organization("Acme");
    const names = [
      "it's@acme.test", "back\\slash\\'@acme.test", "'); drop table \"user\"; --@acme.test", "E'\\x41'@acme.test",
      "$$dollar$$@acme.test", "?q?@acme.test", "Zoë 名前 🙂@acme.test", "line\nbreak\ttab@acme.test", "\\'\\''@acme.test",
    ];
    const commands = names.map((name) => userCommand(org, name));
    await Promise.all(commands.map(insert));
    const stored = await usersNamed(names);
    expect(stored.map((u) => u.userName).sort()).toEqual([...names].sort());
    const events = await server.built.orm.em.fork().find(AuditEvent, { targetId: { $in: stored.map((u) => u.id) } });
    expect(events.map((e) => (e.data as { userName: string }).userName).sort()).toEqual([...names].sort());
    for (const event of events) expect(event.createdAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it("gives commands of a later turn the next transaction, shared", async () => {
    const org = await fixtures(server).organization("Acme");
    const [first, ...later] = ["e", "f", "g"].map((n) => userCommand(org, `gc-${n}@acme.test`));
    const statements = await server.captureQueries(async () => {
      const written = insert(first);
      await new Promise((resolve) => setImmediate(resolve));
      await Promise.all([written, ...later.map(insert)]);
    });
    const inserts = statements.filter((sql) => sql.startsWith('insert into "user"'));
    expect(inserts).toHaveLength(2);
    expect(inserts.map((sql) => (sql.match(/\), \(/g) ?? []).length)).toEqual([0, 1]);
    expect(await usersNamed(["gc-e@acme.test", "gc-f@acme.test", "gc-g@acme.test"])).toHaveLength(3);
  });

  it("rolls a shared transaction back when one command conflicts, then gives each its own transaction", async () => {
    const org = await fixtures(server).organization("Acme");
    await insert(userCommand(org, "taken@acme.test"));
    const commands = ["first", "TAKEN", "second", "third"].map((n) => userCommand(org, `${n}@acme.test`));
    let statements: string[] = [];
    const outcomes = await new Promise<PromiseSettledResult<void>[]>((resolve) => {
      void server.captureQueries(async () => resolve(await Promise.allSettled(commands.map(insert)))).then((s) => (statements = s));
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(UniqueConstraintViolationException);
    expect(statements.some((sql) => sql.startsWith("rollback"))).toBe(true);
    const written = commands.filter((_, i) => i !== 1);
    expect(await usersNamed(["first@acme.test", "second@acme.test", "third@acme.test"])).toHaveLength(3);
    expect(await eventsFor(written)).toBe(3);
    // Nothing of the conflicting command was written: not its user, not its audit event.
    expect(await eventsFor([commands[1]])).toBe(0);
  });

  it("writes commands whose tables come in different orders (different shapes) in one shared transaction", async () => {
    const org = await fixtures(server).organization("Acme");
    const userFirst = userCommand(org, "shape-a@acme.test");
    const eventFirst = userCommand(org, "shape-b@acme.test").reverse();
    const third = userCommand(org, "shape-c@acme.test");
    await Promise.all([third, userFirst, eventFirst].map(insert));
    expect(await usersNamed(["shape-a@acme.test", "shape-b@acme.test", "shape-c@acme.test"])).toHaveLength(3);
    expect(await eventsFor([userFirst, third])).toBe(2);
    expect(await server.built.orm.em.fork().count(AuditEvent, { targetId: (eventFirst[1] as User).id })).toBe(1);
  });

  it("joins the caller's transaction when called inside one, instead of waiting for the writer it holds", async () => {
    const org = await fixtures(server).organization("Acme");
    const command = userCommand(org, "inside@acme.test");
    await server.built.orm.em.fork().transactional(async (tx) => {
      await storeOf(tx).insertAll(tx, command);
    });
    expect(await usersNamed(["inside@acme.test"])).toHaveLength(1);
    expect(await eventsFor([command])).toBe(1);
  });
});
