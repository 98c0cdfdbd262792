import type { AbstractSqlConnection } from "@mikro-orm/knex";
import type { TestServer } from "./server";

export type Row = Record<string, unknown>;

/** Reads the test server's database (a SELECT never writes; on SQLite, on one of its read connections). */
export async function sqlRows(server: TestServer, sql: string, params: unknown[] = []): Promise<Row[]> {
  if (!/^\s*(select|with)\b/i.test(sql)) throw new Error(`store checks only read: ${sql}`);
  const connection = server.built.orm.em.fork().getConnection("read") as AbstractSqlConnection;
  return connection.execute<Row[]>(sql, params as never[], "all");
}

/** Columns holding JSON documents: every later query (filters, renders) reads them with SQLite's JSON functions. */
const STORED_JSON: Array<[string, string]> = [
  ...["emails", "phone_numbers", "addresses", "photos", "ims", "roles", "entitlements", "x509certificates", "enterprise", "extra"]
    .map((c): [string, string] => ["user", c]),
  ["group", "extra"], ["role", "permissions"], ["audit_event", "data"],
];

/**
 * Rows that break the directory's shape, each as one readable line: a membership or binding that
 * points at a row that is gone, a row whose organization is gone, and any link between two
 * organizations (a membership, binding, mapping or default role whose ends live in different
 * tenants), a cycle of nested groups, and stored JSON that SQLite cannot read. An empty list is a
 * consistent store.
 */
export async function storeViolations(server: TestServer): Promise<string[]> {
  const checks: Array<[string, string]> = [
    ["membership of a missing group",
      `select m.id from group_membership m left join "group" g on g.id = m.group_id where g.id is null`],
    ["membership of a missing user",
      `select m.id from group_membership m left join "user" u on u.id = m.member_user_id where m.member_user_id is not null and u.id is null`],
    ["membership of a missing nested group",
      `select m.id from group_membership m left join "group" g on g.id = m.member_group_id where m.member_group_id is not null and g.id is null`],
    ["membership with no member or two",
      `select id from group_membership where (member_user_id is null) = (member_group_id is null)`],
    ["group nested in itself",
      `select id from group_membership where member_group_id = group_id`],
    ["user of a missing organization",
      `select u.id from "user" u left join organization o on o.id = u.organization_id where o.id is null`],
    ["group of a missing organization",
      `select g.id from "group" g left join organization o on o.id = g.organization_id where o.id is null`],
    ["user member from another organization",
      `select m.id from group_membership m join "group" g on g.id = m.group_id join "user" u on u.id = m.member_user_id where u.organization_id <> g.organization_id`],
    ["group member from another organization",
      `select m.id from group_membership m join "group" g on g.id = m.group_id join "group" c on c.id = m.member_group_id where c.organization_id <> g.organization_id`],
    ["binding of another organization's role",
      `select b.id from role_binding b join role r on r.id = b.role_id where r.organization_id <> b.organization_id`],
    ["binding of another organization's user",
      `select b.id from role_binding b join "user" u on u.id = b.subject_user_id where u.organization_id <> b.organization_id`],
    ["binding of another organization's group",
      `select b.id from role_binding b join "group" g on g.id = b.subject_group_id where g.organization_id <> b.organization_id`],
    ["binding on another organization's account",
      `select b.id from role_binding b join account a on a.id = b.account_id where a.organization_id <> b.organization_id`],
    ["mapping to another organization's role",
      `select m.id from role_mapping m join role r on r.id = m.role_id where r.organization_id <> m.organization_id`],
    ["mapping on another organization's account",
      `select m.id from role_mapping m join account a on a.id = m.account_id where a.organization_id <> m.organization_id`],
    ["default role of another organization",
      `select o.id from organization o join role r on r.id = o.default_role_id where r.organization_id <> o.id`],
    ["default role that is gone",
      `select o.id from organization o left join role r on r.id = o.default_role_id where o.default_role_id is not null and r.id is null`],
    ["group nested in itself through other groups",
      `with recursive reach(start, g, depth) as (
         select group_id, member_group_id, 1 from group_membership where member_group_id is not null
         union select r.start, m.member_group_id, r.depth + 1 from reach r join group_membership m on m.group_id = r.g
         where m.member_group_id is not null and r.depth < 64)
       select distinct start from reach where g = start`],
    // PostgreSQL's jsonb is valid JSON by construction; SQLite stores text its JSON functions may refuse.
    ...(server.database.config.kind !== "sqlite" ? [] : STORED_JSON.map(([table, columnName]): [string, string] =>
      [`${table}.${columnName} that SQLite cannot read as JSON`, `select id from "${table}" where ${columnName} is not null and json_valid(${columnName}) = 0`])),
  ];
  const violations: string[] = [];
  for (const [what, sql] of checks) {
    for (const row of await sqlRows(server, sql)) violations.push(`${what}: ${String(Object.values(row)[0])}`);
  }
  return violations;
}

/**
 * Everything an organization owns, every column, as stored: its row, accounts, users, groups,
 * memberships touching it (either end), roles, bindings, mappings, SCIM tokens, API keys, webhook
 * endpoints and their deliveries, and the number of its audit events. Credentials' `last_used_at`
 * is left out: using a credential is not a change to the directory.
 */
export async function organizationSnapshot(server: TestServer, organizationId: string): Promise<Record<string, unknown>> {
  const byOrg = (table: string) => sqlRows(server, `select * from "${table}" where organization_id = ? order by id`, [organizationId]);
  const withoutLastUse = (rows: Row[]) => rows.map(({ last_used_at: _lastUse, ...rest }) => rest);
  return {
    organization: await sqlRows(server, `select * from organization where id = ?`, [organizationId]),
    accounts: await byOrg("account"),
    users: await byOrg("user"),
    groups: await byOrg("group"),
    memberships: await sqlRows(server,
      `select m.* from group_membership m where m.group_id in (select id from "group" where organization_id = ?)
         or m.member_user_id in (select id from "user" where organization_id = ?)
         or m.member_group_id in (select id from "group" where organization_id = ?) order by m.id`,
      [organizationId, organizationId, organizationId]),
    roles: await byOrg("role"),
    bindings: await byOrg("role_binding"),
    mappings: await byOrg("role_mapping"),
    scimTokens: withoutLastUse(await byOrg("scim_token")),
    apiKeys: withoutLastUse(await byOrg("api_key")),
    webhookEndpoints: await byOrg("webhook_endpoint"),
    webhookDeliveries: await sqlRows(server,
      `select d.* from webhook_delivery d join webhook_endpoint e on e.id = d.endpoint_id where e.organization_id = ? order by d.id`, [organizationId]),
    auditEvents: Number((await sqlRows(server, `select count(*) as n from audit_event where organization_id = ?`, [organizationId]))[0].n),
  };
}
