import type { WhyNotFacts, WhyNotFactsQuery } from "../../domain/ports/why-not";
import { jsonColumn, type Row } from "./rows";
import type { StoreDialect } from "./store-dialect";

type Run = (sql: string, params: unknown[]) => Promise<Row[]>;

/**
 * The statement of DirectoryStore.whyNotFacts: one row of JSON arrays (as access-facts-sql.ts
 * answers), every list bound as one JSON array so the text is the same for any question. Each
 * part is limited to the organization, so no id of another one reaches an answer. The bindings
 * are found by role (role_binding_role_id_index), the mappings by role (role_mapping_role_id_index).
 */
export function whyNotFactsSql(dialect: StoreDialect): string {
  const agg = (...values: string[]) => dialect.jsonArrayOfArrays(values);
  return `
with
  carrying(id) as (${dialect.idsFromJson("?")}),
  bound as materialized (
    select id, role_id, subject_group_id, account_id from role_binding
     where role_id in (select id from carrying) and subject_group_id is not null and organization_id = ? and (account_id is null or account_id = ?))
select
  (select ${agg("id", "role_id", "subject_group_id", "account_id")} from bound) as group_bindings,
  (select ${agg("id", "idp_value", "role_id", "account_id")} from role_mapping
    where role_id in (select id from carrying) and organization_id = ? and (account_id is null or account_id = ?)) as mappings,
  (select ${agg("id", "display_name")} from "group"
    where organization_id = ? and (id in (select subject_group_id from bound) or id in (${dialect.idsFromJson("?")}))) as group_names,
  (select ${agg("id", "name")} from account where organization_id = ? and id in (${dialect.idsFromJson("?")})) as account_names`;
}

export async function whyNotFacts(run: Run, sql: string, query: WhyNotFactsQuery): Promise<WhyNotFacts> {
  const { organizationId: org, accountId } = query;
  const [row] = await run(sql, [JSON.stringify(query.roleIds), org, accountId, org, accountId, org, JSON.stringify(query.groupIds), org, JSON.stringify(query.accountIds)]);
  const column = (name: string) => jsonColumn<unknown[][]>(row[name], []);
  const names = (name: string) => new Map(column(name).map(([id, text]) => [id as string, text as string]));
  return {
    groupBindings: column("group_bindings").map(([id, roleId, groupId, boundAccountId]) => ({
      id: id as string, roleId: roleId as string, groupId: groupId as string, accountId: (boundAccountId as string | null) ?? null,
    })),
    mappings: column("mappings").map(([id, idpValue, roleId, mappedAccountId]) => ({
      id: id as string, idpValue: idpValue as string, roleId: roleId as string, accountId: (mappedAccountId as string | null) ?? null,
    })),
    groupNames: names("group_names"),
    accountNames: names("account_names"),
  };
}
