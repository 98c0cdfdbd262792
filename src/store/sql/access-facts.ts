import type { AccessFacts } from "../../domain/ports/records";
import { booleanColumn, jsonColumn, type Row } from "./rows";

/**
 * The one row of an access-facts statement (store/sqlite and store/postgres each write theirs):
 * one JSON array of tuples per column — the database aggregates, and one JSON.parse per column
 * costs less than the driver building an object per row and field.
 */
export function accessFactsFromRow(row: Row): AccessFacts {
  const column = (name: string) => jsonColumn<unknown[][]>(row[name], []);
  return {
    users: column("users").map(([id, organizationId, active, roles, defaultRoleId]) => ({
      id: id as string, organizationId: organizationId as string, active: booleanColumn(active), roles, defaultRoleId: (defaultRoleId as string | null) ?? null,
    })),
    accounts: column("accounts").map(([id, organizationId]) => ({ id: id as string, organizationId: organizationId as string })),
    edges: column("edges").map(([groupId, memberUserId, memberGroupId]) => ({
      groupId: groupId as string, memberUserId: (memberUserId as string | null) ?? null, memberGroupId: (memberGroupId as string | null) ?? null,
    })),
    bindings: column("bindings").map(([id, subjectUserId, subjectGroupId, accountId, roleId]) => ({
      id: id as string, subjectUserId: (subjectUserId as string | null) ?? null, subjectGroupId: (subjectGroupId as string | null) ?? null,
      accountId: (accountId as string | null) ?? null, roleId: roleId as string,
    })),
    mappings: column("mappings").map(([id, organizationId, idpValue, accountId, roleId]) => ({
      id: id as string, organizationId: organizationId as string, idpValue: idpValue as string, accountId: (accountId as string | null) ?? null, roleId: roleId as string,
    })),
    roles: column("roles").map(([id, key, name, permissions]) => ({
      id: id as string, key: key as string, name: name as string, permissions: (permissions as string[] | null) ?? [],
    })),
  };
}
