import { ApiKey, ScimToken } from "../../store/entities";
import type { ApiKeyRole } from "../../store/entities/api-key";
import { recordAudit } from "../audit";
import { runCommand, type CommandContext } from "../command";
import { Invalid, NotFound } from "../errors";
import { findVisible, findVisibleOrganization } from "../lookup";
import { issueSecret } from "../secrets";
import { assertOrgVisible } from "../tenancy";
import { requireText } from "../validate";

/** A credential just issued, with its secret: the only time the secret is ever available. */
export interface Issued<T> {
  credential: T;
  secret: string;
}

/**
 * Issues a GraphQL API key. An org-scoped actor can only issue keys for its own organization;
 * a global actor may issue global keys.
 */
export async function createApiKey(
  ctx: CommandContext, input: { name: string; role: ApiKeyRole; organizationId?: string | null },
): Promise<Issued<ApiKey>> {
  const organizationId = input.organizationId ?? ctx.actor.organizationId;
  // An organization's key issues keys of its organization only (it names none: its own); a global
  // key, with no organization, only a global credential can issue. Checked on the id as given, so
  // no value that reads as "none" (an empty string) makes a global key.
  if (organizationId !== null) assertOrgVisible(ctx.actor, organizationId, "organization", organizationId);
  return runCommand(ctx, async (em) => {
    const key = Object.assign(new ApiKey(), { name: requireText(input.name, "name"), role: input.role });
    if (organizationId !== null) {
      key.organization = await findVisibleOrganization(em, ctx.actor, organizationId);
    }
    const issued = issueSecret("idgk", key.id);
    key.secretHash = issued.secretHash;
    em.persist(key);
    recordAudit(em, ctx.actor, { type: "api_key.create", organizationId, targetType: "api_key", targetId: key.id, data: { name: key.name, role: key.role } });
    return { credential: key, secret: issued.plaintext };
  });
}

/** Revokes an API key; it stops working on the next request. */
export async function revokeApiKey(ctx: CommandContext, id: string): Promise<ApiKey> {
  return runCommand(ctx, async (em) => {
    const key = await em.findOne(ApiKey, { id });
    if (!key) throw NotFound.entity("api key", id);
    if (key.organization) assertOrgVisible(ctx.actor, key.organization.id, "api key", id);
    else if (ctx.actor.organizationId !== null) throw NotFound.entity("api key", id);
    key.revokedAt ??= new Date();
    recordAudit(em, ctx.actor, {
      type: "api_key.revoke", organizationId: key.organization?.id ?? null, targetType: "api_key", targetId: key.id, data: { name: key.name, role: key.role },
    });
    return key;
  });
}

/** Issues a SCIM bearer token for an organization; several may be live at once (rotation). */
export async function createScimToken(
  ctx: CommandContext, input: { organizationId: string; name: string; expiresAt?: Date | null },
): Promise<Issued<ScimToken>> {
  assertOrgVisible(ctx.actor, input.organizationId, "organization", input.organizationId);
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) throw new Invalid("expiresAt must be in the future");
  return runCommand(ctx, async (em) => {
    const org = await findVisibleOrganization(em, ctx.actor, input.organizationId);
    const token = Object.assign(new ScimToken(), { organization: org, name: requireText(input.name, "name"), expiresAt: input.expiresAt ?? null });
    const issued = issueSecret("idgs", token.id);
    token.secretHash = issued.secretHash;
    em.persist(token);
    recordAudit(em, ctx.actor, { type: "scim_token.create", organizationId: org.id, targetType: "scim_token", targetId: token.id, data: { name: token.name, expiresAt: token.expiresAt } });
    return { credential: token, secret: issued.plaintext };
  });
}

/** Revokes a SCIM token. */
export async function revokeScimToken(ctx: CommandContext, id: string): Promise<ScimToken> {
  return runCommand(ctx, async (em) => {
    const token = await findVisible(em, ScimToken, "SCIM token", id, ctx.actor);
    token.revokedAt ??= new Date();
    recordAudit(em, ctx.actor, {
      type: "scim_token.revoke", organizationId: token.organization.id, targetType: "scim_token", targetId: token.id, data: { name: token.name, expiresAt: token.expiresAt },
    });
    return token;
  });
}
