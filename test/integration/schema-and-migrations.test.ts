import { readFileSync } from "node:fs";
import type { MikroORM } from "@mikro-orm/core";
import type { SqlEntityManager } from "@mikro-orm/knex";
import { printGraphSchema, SCHEMA_FILE } from "../../src/graph/print-schema";
import { migrateToLatest, openOrm } from "../../src/store/orm";
import { createTestDatabase, testDatabaseKind } from "../helpers/database";

/** A fresh database of the kind under test, open for `work`, removed afterwards. */
async function withDatabase(work: (orm: MikroORM) => Promise<void>): Promise<void> {
  const database = await createTestDatabase();
  const orm = await openOrm(database.config);
  try {
    await work(orm);
  } finally {
    await orm.close(true);
    await database.dispose();
  }
}

/** Reverts migrations, latest first, until `name` is the last one applied. */
async function downTo(orm: MikroORM, name: string): Promise<void> {
  const migrator = orm.getMigrator();
  for (;;) {
    const executed = await migrator.getExecutedMigrations();
    if (executed.length === 0 || executed[executed.length - 1].name === name) return;
    await migrator.down();
  }
}

/** A datetime literal each database stores in its datetime columns (SQLite: epoch milliseconds, as MikroORM writes them). */
const NOW = testDatabaseKind() === "sqlite" ? String(Date.now()) : "now()";

describe("schema/schema.graphql", () => {
  it("is what the resolvers build (run `npm run schema:emit` after changing src/graph)", async () => {
    expect(readFileSync(SCHEMA_FILE, "utf8")).toBe(await printGraphSchema());
  });
});

/** A 5,000-user, 500-group directory (one group of 5,000 members) with memberships, bindings and mappings, written by PostgreSQL itself. */
const POSTGRES_PLAN_SEED = [
  `insert into organization (id, name, created_at, updated_at) select 'o' || i, 'org ' || i, now(), now() from generate_series(1, 20) i`,
  `insert into "user" (id, organization_id, user_name, user_name_key, external_id, emails, phone_numbers, addresses, photos, ims, roles, entitlements, x509certificates, created_at, updated_at)
     select 'u' || i, 'o' || (i % 20 + 1), 'user' || i, 'user' || i, 'x' || i, '[]', '[]', '[]', '[]', '[]', '[]', '[]', '[]', now(), now() from generate_series(1, 5000) i`,
  `insert into "group" (id, organization_id, display_name, display_name_key, created_at, updated_at)
     select 'g' || i, 'o' || (i % 20 + 1), 'Group ' || i, 'group ' || i, now(), now() from generate_series(1, 500) i`,
  `insert into group_membership (id, group_id, member_user_id, created_at) select 'm' || i, 'g' || (i % 500 + 1), 'u' || i, now() from generate_series(1, 5000) i`,
  // A big group as well: its member pages must walk (group_id, id), not sort its members.
  `insert into group_membership (id, group_id, member_user_id, created_at) select 'k' || i, 'g1', 'u' || i, now() from generate_series(1, 5000) i where i % 500 <> 0`,
  `insert into group_membership (id, group_id, member_group_id, created_at) select 'n' || i, 'g' || (i % 50 + 1), 'g' || (i + 50), now() from generate_series(1, 400) i`,
  `insert into role (id, organization_id, key, name, permissions, created_at) select 'r' || i, 'o' || (i % 20 + 1), 'role' || i, 'Role ' || i, '[]', now() from generate_series(1, 100) i`,
  `insert into account (id, organization_id, name, created_at) select 'a' || i, 'o' || (i % 20 + 1), 'Account ' || i, now() from generate_series(1, 200) i`,
  `insert into role_binding (id, organization_id, role_id, subject_group_id, identity_key, created_at) select 'b' || i, 'o1', 'r' || (i % 100 + 1), 'g' || i, 'b' || i, now() from generate_series(1, 500) i`,
  `insert into role_binding (id, organization_id, role_id, subject_user_id, identity_key, created_at) select 'c' || i, 'o1', 'r' || (i % 100 + 1), 'u' || i, 'c' || i, now() from generate_series(1, 2000) i`,
  `insert into role_mapping (id, organization_id, idp_value, idp_value_key, role_id, scope_key, created_at) select 'p' || i, 'o' || (i % 20 + 1), 'V' || i, 'v' || i, 'r' || (i % 100 + 1), '*', now() from generate_series(1, 200) i`,
  // VACUUM sets the visibility map, so covering indexes answer without the table (index-only scans), as in a steady directory.
  `vacuum analyze`,
];

describe(`migrations (${testDatabaseKind()})`, () => {
  it("create exactly the schema the entities declare (run `npm run migration:create` after changing an entity)", async () => {
    await withDatabase(async (orm) => {
      expect((await migrateToLatest(orm)).length).toBeGreaterThan(0);
      expect(await orm.schema.getUpdateSchemaSQL({ wrap: false })).toBe("");
      expect(await migrateToLatest(orm)).toEqual([]);
    });
  });

  it("give users stored before User.idpRoleKeys existed their folded IdP role values", async () => {
    await withDatabase(async (orm) => {
      await migrateToLatest(orm);
      const connection = orm.em.fork().getConnection();
      await connection.execute(`insert into organization (id, name, created_at, updated_at) values ('o', 'o', ${NOW}, ${NOW})`);
      const user = (id: string, roles: unknown) =>
        `insert into "user" (id, organization_id, user_name, user_name_key, emails, phone_numbers, addresses, photos, ims, roles, entitlements, x509certificates, created_at, updated_at)
         values ('${id}', 'o', '${id}', '${id}', '[]', '[]', '[]', '[]', '[]', '${JSON.stringify(roles)}', '[]', '[]', ${NOW}, ${NOW})`;
      // Down past the migration that adds the column, users written as before it, then up again.
      await downTo(orm, "Migration20261130150937");
      await connection.execute(user("a", [{ value: " ÉDITEUR" }, { value: "e\u0301diteur" }, { value: "Admin" }]));
      await connection.execute(user("b", []));
      await connection.execute(user("c", [{ value: "" }, { display: "no value" }]));
      expect(await migrateToLatest(orm)).toContain("Migration20261130180000");
      const rows = (await connection.execute(`select id, idp_role_keys from "user" order by id`)) as Array<{ id: string; idp_role_keys: unknown }>;
      const keys = rows.map((r) => [r.id, typeof r.idp_role_keys === "string" ? JSON.parse(r.idp_role_keys) : r.idp_role_keys]);
      expect(keys).toEqual([["a", ["admin", "éditeur"]], ["b", null], ["c", null]]);
    });
  });

  const sqliteOnly = testDatabaseKind() === "sqlite" ? it : it.skip;
  const postgresOnly = testDatabaseKind() === "postgres" ? it : it.skip;

  sqliteOnly("give SQLite's events their positions and deliveries in the transaction that writes them", async () => {
    await withDatabase(async (orm) => {
      await migrateToLatest(orm);
      const connection = orm.em.fork().getConnection();
      const run = (sql: string) => connection.execute(sql) as Promise<Array<Record<string, any>>>;
      for (const org of ["o", "p"]) await run(`insert into organization (id, name, created_at, updated_at) values ('${org}', '${org}', ${NOW}, ${NOW})`);
      const endpoint = (id: string, org: string, types: string | null, enabled: boolean) =>
        run(`insert into webhook_endpoint (id, organization_id, url, event_types, enabled, sealed_secret, consecutive_failures, version, created_at, updated_at)
             values ('${id}', '${org}', 'https://example.com', ${types === null ? "null" : `'${types}'`}, ${enabled ? 1 : 0}, 's', 0, 1, ${NOW}, ${NOW})`);
      await endpoint("w-created", "o", '["scim.member.create"]', true);
      await endpoint("w-all", "o", null, true);
      await endpoint("w-off", "o", null, false);
      await endpoint("w-other-org", "p", null, true);
      const event = (id: string, org: string, type: string) =>
        `insert into audit_event (id, organization_id, type, actor_type, target_type, target_id, created_at) values ('${id}', '${org}', '${type}', 'system', 'user', 't-${id}', ${NOW})`;
      await orm.em.fork().transactional(async (tx) => {
        // Inserted out of id order: positions follow the order of the writes, which is the order of commits.
        await (tx as SqlEntityManager).execute(event("e2", "o", "scim.member.create"));
        await (tx as SqlEntityManager).execute(event("e1", "o", "scim.member.update"));
      });
      await run(event("e3", "p", "scim.member.delete"));
      await run(event("e4", null as unknown as string, "system.event").replace("'null'", "null"));

      const positions = await run(`select id, position from audit_event order by position`);
      expect(positions.map((r) => [r.id, Number(r.position)])).toEqual([["e2", 1], ["e1", 2], ["e3", 3], ["e4", 4]]);
      expect(Number((await run(`select last_position from event_sequence where name = 'events'`))[0].last_position)).toBe(4);
      const deliveries = await run(`select id, event_position, event_type, ordering_key, status, attempts from webhook_delivery order by id`);
      expect(deliveries.map((d) => [d.id, Number(d.event_position), d.event_type, d.ordering_key, d.status, d.attempts])).toEqual([
        ["w-all:e1", 2, "scim.member.update", "t-e1", "pending", 0],
        ["w-all:e2", 1, "scim.member.create", "t-e2", "pending", 0],
        ["w-created:e2", 1, "scim.member.create", "t-e2", "pending", 0],
        ["w-other-org:e3", 3, "scim.member.delete", "t-e3", "pending", 0],
      ]);

      // A write that fails takes its position back with it: the next event gets the same one.
      await expect(orm.em.fork().transactional(async (tx) => {
        await (tx as SqlEntityManager).execute(event("e5", "o", "scim.member.create"));
        throw new Error("rolled back");
      })).rejects.toThrow("rolled back");
      await run(event("e6", "o", "scim.member.create"));
      expect((await run(`select id, position from audit_event where id in ('e5', 'e6')`)).map((r) => [r.id, Number(r.position)])).toEqual([["e6", 5]]);

      // Down, events wait for the sequencer again.
      await downTo(orm, "Migration20261130180000");
      await run(event("e7", "o", "scim.member.create"));
      expect((await run(`select position from audit_event where id = 'e7'`))[0].position).toBeNull();
    });
  });

  sqliteOnly("index every lookup an IdP or app makes (SQLite plans)", async () => {
    await withDatabase(async (orm) => {
      await migrateToLatest(orm);
      const plan = async (sql: string) =>
        ((await orm.em.fork().getConnection().execute(`explain query plan ${sql}`)) as Array<{ detail: string }>).map((r) => r.detail).join(" | ");
      const lookups: Array<[string, RegExp]> = [
        [`select id from "user" where organization_id = 'o' and user_name_key = 'ada'`, /SEARCH user USING (COVERING )?INDEX user_org_user_name_key_unique/],
        [`select id from "user" where organization_id = 'o' and external_id = 'x'`, /SEARCH user USING INDEX user_org_external_id_index/],
        [`select id from "user" where organization_id = 'o' and id > 'u' order by id limit 50`, /SEARCH user USING COVERING INDEX user_org_id_index \(organization_id=\? AND id>\?\)$/],
        [`select id from "group" where organization_id = 'o' and display_name_key = 'sre'`, /SEARCH group USING (COVERING )?INDEX group_org_display_name_key_unique/],
        [`select group_id from group_membership where member_user_id = 'u'`, /SEARCH group_membership USING COVERING INDEX group_membership_member_user_group_index/],
        [`select group_id from group_membership where member_group_id = 'g'`, /SEARCH group_membership USING COVERING INDEX group_membership_member_group_group_index/],
        [`select id from group_membership where group_id = 'g' and id > '' order by id limit 50`, /SEARCH group_membership USING (COVERING )?INDEX group_membership_group_id_id_index/],
        [`select id from role_binding where subject_group_id = 'g'`, /SEARCH role_binding USING INDEX role_binding_subject_group_index/],
        [`select id from role_mapping where organization_id = 'o' and idp_value_key = 'x'`, /SEARCH role_mapping USING (COVERING )?INDEX role_mapping_value_scope_unique/],
        // Whether events wait for their positions, and a claim's probe for an earlier pending delivery of the same key (store/sql/event-sql.ts).
        [`select 1 as found from audit_event where position is null and id >= '01' order by position desc, id desc limit 1`,
          /^SEARCH audit_event USING COVERING INDEX audit_event_position_id_index \(position=\? AND id>\?\)$/],
        [`select 1 from webhook_delivery p where p.endpoint_id = 'w' and p.ordering_key = 'k' and p.event_position < 9 and p.status = 'pending' limit 1 offset 0`,
          /SEARCH p USING COVERING INDEX webhook_delivery_pending_order_index \(endpoint_id=\? AND ordering_key=\? AND event_position<\?\)/],
      ];
      for (const [sql, expected] of lookups) {
        const detail = await plan(sql);
        expect({ sql, detail }).toEqual({ sql, detail: expect.stringMatching(expected) });
      }
    });
  });

  postgresOnly("index every lookup an IdP or app makes (PostgreSQL plans)", async () => {
    await withDatabase(async (orm) => {
      await migrateToLatest(orm);
      const em = orm.em.fork();
      // Plans depend on statistics: a directory of a few thousand rows, analysed, so the planner
      // weighs each index by what it selects. Scans are ruled out where an index can serve, so a
      // plan that still scans has no index to use.
      for (const sql of POSTGRES_PLAN_SEED) await em.getConnection().execute(sql);
      const plan = async (sql: string) => em.transactional(async (tx) => {
        await tx.getConnection().execute("set local enable_seqscan = off", [], "run", tx.getTransactionContext());
        const rows = (await tx.getConnection().execute(`explain ${sql}`, [], "all", tx.getTransactionContext())) as Array<{ "QUERY PLAN": string }>;
        return rows.map((r) => r["QUERY PLAN"]).join(" | ");
      });
      const lookups: Array<[string, RegExp]> = [
        [`select id from "user" where organization_id = 'o1' and user_name_key = 'user20'`, /Index (Only )?Scan using user_org_user_name_key_unique/],
        [`select * from "user" where id = 'u7'`, /Index Scan using user_pkey/],
        [`select id from "user" where organization_id = 'o1' and id > 'u7' order by id limit 50`, /Index Only Scan using user_org_id_index/],
        [`select id from "user" where organization_id = 'o1' and external_id = 'x20'`, /(Index (Only )?Scan using|Bitmap Index Scan on) user_org_external_id_index/],
        [`select id from "group" where organization_id = 'o1' and display_name_key = 'group 20'`, /Index (Only )?Scan using group_org_display_name_key_unique/],
        [`select group_id from group_membership where member_user_id = 'u7'`, /Index Only Scan using group_membership_member_user_group_index/],
        [`select group_id from group_membership where member_group_id = 'g70'`, /Index Only Scan using group_membership_member_group_group_index/],
        [`select id from group_membership where group_id = 'g1' and id > 'k2' order by id limit 50`, /Index (Only )?Scan using group_membership_group_id_id_index/],
        [`select id from role_binding where subject_group_id = 'g7'`, /(Index Scan using|Bitmap Index Scan on) role_binding_subject_group_index/],
        [`select id from role_binding where subject_user_id = 'u7'`, /(Index Scan using|Bitmap Index Scan on) role_binding_subject_user_index/],
        [`select id from role_mapping where organization_id = 'o1' and idp_value_key = 'v20'`, /(Index (Only )?Scan using|Bitmap Index Scan on) role_mapping_value_scope_unique/],
        [`select id from account where organization_id = 'o1'`, /account_organization_id_index/],
        [`select id from scim_token where organization_id = 'o1'`, /scim_token_organization_id_index/],
      ];
      for (const [sql, expected] of lookups) {
        const detail = await plan(sql);
        expect({ sql, detail }).toEqual({ sql, detail: expect.stringMatching(expected) });
      }
    });
  });
});
