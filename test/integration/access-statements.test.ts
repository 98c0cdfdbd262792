import { fixtures } from "../helpers/graph-fixtures";
import { testDatabaseKind } from "../helpers/database";
import { afterCredentialRead, startTestServer, type TestServer } from "../helpers/server";

const CAN_BATCH = `query($c: [AccessCheckInput!]!) { canBatch(checks: $c) }`;

/**
 * The fast path apps hit, on either database: a `canBatch` loads its users, accounts, nesting,
 * bindings, mappings and roles in one statement, whatever the batch size and the nesting depth.
 */
describe(`canBatch statements (${testDatabaseKind()})`, () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.close());

  it("answers a batch of 2 and a batch of 90 checks with one statement each after the credential's", async () => {
    const f = fixtures(server);
    const org = await f.organization("Batch");
    const accounts = [await f.account(org, "prod"), await f.account(org, "staging"), await f.account(org, "dev")];
    const role = await f.role(org, "viewer", ["dash.read"]);
    const top = await f.group(org, "Top");
    let parent = top;
    for (let depth = 0; depth < 5; depth += 1) {
      const child = await f.group(org, `Level ${depth}`);
      await f.nest(parent, child);
      parent = child;
    }
    await f.bind({ roleId: role, groupId: top, accountId: accounts[0] });
    const users: string[] = [];
    for (let i = 0; i < 30; i += 1) {
      users.push(await f.user(org, `u${i}@batch.test`));
      if (i % 2 === 0) await f.addUser(parent, users[i]);
    }
    const checks = users.flatMap((userId) => accounts.map((accountId) => ({ userId, accountId, permission: "dash.read" })));
    await server.ok(CAN_BATCH, { c: checks.slice(0, 2) }); // lastUsedAt is refreshed at most once a minute: get it done first

    let small: boolean[] = [];
    let large: boolean[] = [];
    const smallStatements = await server.captureQueries(async () => { small = (await server.ok(CAN_BATCH, { c: checks.slice(0, 2) })).canBatch; });
    const largeStatements = await server.captureQueries(async () => { large = (await server.ok(CAN_BATCH, { c: checks })).canBatch; });
    expect(afterCredentialRead(smallStatements)).toHaveLength(1);
    expect(afterCredentialRead(largeStatements)).toHaveLength(1);
    expect(small).toEqual([true, false]);
    // Users with an even index sit five groups below the bound one; only production is bound.
    expect(large).toEqual(checks.map((c) => users.indexOf(c.userId) % 2 === 0 && c.accountId === accounts[0]));
  });

  // The walk's row estimate grows with the directory: at a million users its plan passed
  // jit_above_cost, and compiling it cost five times the statement. Every pooled connection has JIT
  // off, and plans its prepared statements once (generic plans: store/orm.ts).
  (testDatabaseKind() === "postgres" ? it : it.skip)("runs PostgreSQL sessions with JIT off and generic plans", async () => {
    const em = server.built.orm.em.fork();
    const answers = await Promise.all(Array.from({ length: 4 }, () =>
      em.getConnection().execute("select current_setting('jit') as jit, current_setting('plan_cache_mode') as plans")));
    expect(answers.map(([row]) => `${row.jit} ${row.plans}`)).toEqual(Array(4).fill("off force_generic_plan"));
  });
});
