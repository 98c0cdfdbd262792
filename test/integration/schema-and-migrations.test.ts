import { readFileSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { printGraphSchema, SCHEMA_FILE } from "../../src/graph/print-schema";
import { migrateToLatest, openOrm } from "../../src/store/orm";

describe("schema/schema.graphql", () => {
  it("is what the resolvers build (run `npm run schema:emit` after changing src/graph)", async () => {
    expect(readFileSync(SCHEMA_FILE, "utf8")).toBe(await printGraphSchema());
  });
});

describe("migrations", () => {
  it("create exactly the schema the entities declare (run `npm run migration:create` after changing an entity)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "idgraph-drift-"));
    const orm = await openOrm({ kind: "sqlite", path: join(dir, "drift.sqlite") });
    try {
      expect((await migrateToLatest(orm)).length).toBeGreaterThan(0);
      expect(await orm.schema.getUpdateSchemaSQL({ wrap: false })).toBe("");
      expect(await migrateToLatest(orm)).toEqual([]);
    } finally {
      await orm.close(true);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("index every lookup an IdP or app makes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "idgraph-plan-"));
    const orm = await openOrm({ kind: "sqlite", path: join(dir, "plan.sqlite") });
    try {
      await migrateToLatest(orm);
      const plan = async (sql: string) =>
        ((await orm.em.fork().getConnection().execute(`explain query plan ${sql}`)) as Array<{ detail: string }>).map((r) => r.detail).join(" | ");
      const lookups: Array<[string, RegExp]> = [
        [`select id from "user" where organization_id = 'o' and user_name_key = 'ada'`, /SEARCH user USING (COVERING )?INDEX user_org_user_name_key_unique/],
        [`select id from "user" where organization_id = 'o' and external_id = 'x'`, /SEARCH user USING INDEX user_org_external_id_index/],
        [`select id from "group" where organization_id = 'o' and display_name_key = 'sre'`, /SEARCH group USING (COVERING )?INDEX group_org_display_name_key_unique/],
        [`select group_id from group_membership where member_user_id = 'u'`, /SEARCH group_membership USING COVERING INDEX group_membership_member_user_group_index/],
        [`select group_id from group_membership where member_group_id = 'g'`, /SEARCH group_membership USING COVERING INDEX group_membership_member_group_group_index/],
        [`select id from group_membership where group_id = 'g' and id > '' order by id limit 50`, /SEARCH group_membership USING (COVERING )?INDEX group_membership_group_id_id_index/],
        [`select id from role_binding where subject_group_id = 'g'`, /SEARCH role_binding USING INDEX role_binding_subject_group_index/],
        [`select id from role_mapping where organization_id = 'o' and idp_value_key = 'x'`, /SEARCH role_mapping USING (COVERING )?INDEX role_mapping_value_scope_unique/],
      ];
      for (const [sql, expected] of lookups) {
        const detail = await plan(sql);
        expect({ sql, detail }).toEqual({ sql, detail: expect.stringMatching(expected) });
      }
    } finally {
      await orm.close(true);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
