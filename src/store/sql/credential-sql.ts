import type { EntityManager } from "@mikro-orm/core";
import { runSql } from "./raw-sql";
import { booleanColumn, dateColumn } from "./rows";

/**
 * The rows authentication needs, read with one hand-written statement on a read connection:
 * every API and SCIM request authenticates, so this path stays as short as the lookup itself.
 */
export interface CredentialRecord {
  id: string;
  secretHash: string;
  organizationId: string | null;
  revokedAt: Date | null;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
}

export interface ApiKeyRecord extends CredentialRecord {
  role: "ADMIN" | "READER";
}

export interface ScimTokenRecord extends CredentialRecord {
  organizationId: string;
  scimEnabled: boolean;
}

function credential(row: Record<string, unknown>): CredentialRecord {
  return {
    id: row.id as string,
    secretHash: row.secret_hash as string,
    organizationId: (row.organization_id as string | null) ?? null,
    revokedAt: dateColumn(row.revoked_at),
    expiresAt: dateColumn(row.expires_at),
    lastUsedAt: dateColumn(row.last_used_at),
  };
}

export async function findApiKeyRecord(em: EntityManager, id: string): Promise<ApiKeyRecord | null> {
  const [row] = await runSql(em, `select id, secret_hash, organization_id, role, revoked_at, null as expires_at, last_used_at from api_key where id = ?`, [id]);
  return row ? { ...credential(row), role: row.role as ApiKeyRecord["role"] } : null;
}

export async function findScimTokenRecord(em: EntityManager, id: string): Promise<ScimTokenRecord | null> {
  const [row] = await runSql(em,
    `select t.id, t.secret_hash, t.organization_id, t.revoked_at, t.expires_at, t.last_used_at, o.scim_enabled
       from scim_token t join organization o on o.id = t.organization_id
      where t.id = ?`, [id]);
  return row ? { ...credential(row), organizationId: row.organization_id as string, scimEnabled: booleanColumn(row.scim_enabled) } : null;
}
