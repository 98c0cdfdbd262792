import { Organization, User } from "../../store/entities";
import { actsForIdp } from "../actor";
import { auditEvent, recordAudit } from "../audit";
import { newUserAccessEvent, NO_ACCESS_CHANGE, trackAccess } from "../events/access-changes";
import { insertCommand, runCommand, type CommandContext } from "../command";
import { Forbidden, Invalid } from "../errors";
import { admitIdpChange, idpMayActivate, linkToIdp } from "../idp-policy";
import { findVisibleUser, readVisibleOrganization } from "../lookup";
import { idpRoleKeysOf, USER_ATTRIBUTE_NAMES, type UserAttributes } from "../user-attributes";
import { assertStorableJson } from "../json-limits";
import { sameJson } from "../same-value";
import { assertStorableText, nameKey, requireName } from "../validate";
import { assertVersion } from "../versions";

/** Settings of a user only an admin makes (never an identity provider): see domain/idp-policy.ts. */
export interface AdminUserSettings {
  protectedFromScim?: boolean;
}

export type CreateUserInput = { organizationId: string } & Pick<UserAttributes, "userName"> & Partial<UserAttributes> & AdminUserSettings;
export type UpdateUserInput = { id: string; ifVersion?: number } & Partial<UserAttributes> & AdminUserSettings;

/** Creates a user; a user created by an identity provider is SCIM-managed. */
export async function createUser(ctx: CommandContext, input: CreateUserInput): Promise<User> {
  // Read before the transaction, on a read connection: the write transaction is then just the
  // two inserts (the user and its audit event), and the unique index decides the 409.
  const org = await readVisibleOrganization(ctx.em, ctx.actor, input.organizationId);
  const user = new User();
  user.organization = org;
  user.managedBy = actsForIdp(ctx.actor) ? "SCIM" : "ADMIN";
  const { organizationId: _org, protectedFromScim, ...attributes } = input;
  const changes = assignUserAttributes(user, attributes);
  if (protectedFromScim) changes.protectedFromScim = user.protectedFromScim = true;
  // Auto-activate off: users an IdP creates wait, inactive, for an admin to activate them.
  if (actsForIdp(ctx.actor) && !org.scimAutoActivate) {
    user.pendingAdminActivation = true;
    if (user.active) changes.active = user.active = false;
  }
  const event = auditEvent(ctx.actor, { type: "user.create", organizationId: org.id, targetType: "user", targetId: user.id, data: changes });
  const access = await newUserAccessEvent(ctx.em, ctx.actor, org, user, event);
  await insertCommand(ctx, access ? [user, event, access] : [user, event]);
  return user;
}

/**
 * Changes a user's attributes. IdP-owned attributes of SCIM-managed users change only through
 * SCIM. When an identity provider deactivates a user and the organization deprovisions by
 * deletion (Stripe's behaviour), the user is deleted instead of suspended.
 */
export async function updateUser(ctx: CommandContext, input: UpdateUserInput): Promise<User> {
  const { id, ifVersion, protectedFromScim, ...attributes } = input;
  return changeUser(ctx, { id, ifVersion }, () => attributes, { protectedFromScim });
}

/**
 * A read-modify-write of one user (SCIM PATCH): `change` computes the new attributes from the
 * user as it is inside the write transaction, so concurrent changes apply one after the other and
 * none is lost (write transactions queue for the one writer connection; a database shared by
 * several processes will need the row locked on read). Only a client that names the version it
 * read (`ifVersion`, SCIM If-Match) can see a conflict.
 */
export async function changeUser(
  ctx: CommandContext, target: { id: string; ifVersion?: number }, change: (current: User) => Partial<UserAttributes>, settings: AdminUserSettings = {},
): Promise<User> {
  return runCommand(ctx, async (em) => {
    const user = await findVisibleUser(em, target.id, ctx.actor, { forUpdate: true });
    assertVersion(user.version, target.ifVersion);
    await admitIdpChange(em, ctx, user);
    const attributes = change(user);
    if (attributes.active === true && !idpMayActivate(ctx.actor, user)) delete attributes.active;
    if (user.managedBy === "SCIM" && !actsForIdp(ctx.actor)) {
      // `active` is shared: admins may suspend or reactivate a SCIM user (StackAI's lock mode and
      // auto-activate off both leave users for an admin to reactivate); the rest is the IdP's.
      const owned = USER_ATTRIBUTE_NAMES.filter((name) => name !== "active" && attributes[name] !== undefined);
      if (owned.length > 0) throw Invalid.ownedByIdp("user", owned);
    }
    const changes = assignUserAttributes(user, attributes);
    // Read before anything is flushed: the database still has the user as it was.
    const access = changes.active !== undefined || changes.roles !== undefined
      ? await trackAccess(em, ctx.actor, user.organization.id, [user.id]) : NO_ACCESS_CHANGE;
    if (changes.active === true) user.pendingAdminActivation = false;
    if (settings.protectedFromScim !== undefined && settings.protectedFromScim !== user.protectedFromScim) {
      if (settings.protectedFromScim && user.managedBy === "SCIM") {
        throw new Invalid("a SCIM-managed user cannot be protected from SCIM: its identity provider owns it");
      }
      changes.protectedFromScim = user.protectedFromScim = settings.protectedFromScim;
    }
    if (changes.active === false && actsForIdp(ctx.actor)) {
      const org = await em.findOneOrFail(Organization, { id: user.organization.id });
      if (org.scimDeprovisionMode === "DELETE") {
        // The answer shows the user as this request left it, deactivated, at a version of its own:
        // the tag it had while active must not name this representation too.
        user.version += 1;
        user.updatedAt = new Date();
        em.remove(user);
        await access.record(recordAudit(em, ctx.actor, {
          type: "user.delete", organizationId: org.id, targetType: "user", targetId: user.id, data: { userName: user.userName, reason: "deprovisioned" },
        }));
        return user;
      }
    }
    // A request that changes nothing (an IdP re-sending the same state) leaves no trace.
    if (Object.keys(changes).length === 0) return user;
    user.version += 1;
    user.updatedAt = new Date();
    await access.record(recordAudit(em, ctx.actor, { type: "user.update", organizationId: user.organization.id, targetType: "user", targetId: user.id, data: changes }));
    return user;
  });
}

/** Deletes a user; its memberships and bindings go with it (foreign keys cascade). The audit log keeps the record. */
export async function deleteUser(ctx: CommandContext, input: { id: string; ifVersion?: number }): Promise<User> {
  return runCommand(ctx, async (em) => {
    const user = await findVisibleUser(em, input.id, ctx.actor, { forUpdate: true });
    assertVersion(user.version, input.ifVersion);
    await admitIdpChange(em, ctx, user);
    const access = await trackAccess(em, ctx.actor, user.organization.id, [user.id]);
    em.remove(user);
    await access.record(recordAudit(em, ctx.actor, {
      type: "user.delete", organizationId: user.organization.id, targetType: "user", targetId: user.id, data: { userName: user.userName, externalId: user.externalId },
    }));
    return user;
  });
}

/**
 * An admin links a user they created to the organization's identity provider: from then on the
 * IdP owns its attributes and may deactivate or delete it. Protected users cannot be linked.
 */
export async function linkUserToScim(ctx: CommandContext, input: { id: string }): Promise<User> {
  return runCommand(ctx, async (em) => {
    const user = await findVisibleUser(em, input.id, ctx.actor, { forUpdate: true });
    if (actsForIdp(ctx.actor)) throw new Forbidden("only an admin may link a user to the identity provider");
    if (user.protectedFromScim) throw new Invalid("a user protected from SCIM cannot be linked to the identity provider; unprotect it first");
    if (user.managedBy !== "SCIM") linkToIdp(em, ctx, user, "linked by an admin");
    return user;
  });
}

/** Copies the given attributes onto the user and returns those that changed (for the audit event). */
function assignUserAttributes(user: User, attributes: Partial<UserAttributes>): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const name of USER_ATTRIBUTE_NAMES) {
    let value = attributes[name];
    if (value === undefined) continue;
    if (name === "userName") value = requireName(value as string, "userName");
    else if (name === "active" && typeof value !== "boolean") throw new Invalid("active must be true or false");
    if (sameJson(user[name], value)) continue;
    // Only what changes is checked: a value stored before these bounds existed can be left alone.
    if (typeof value === "string") assertStorableText(value, name);
    else assertStorableJson(value, name);
    (user as unknown as Record<string, unknown>)[name] = value;
    changes[name] = value;
  }
  if (changes.userName !== undefined) user.userNameKey = nameKey(user.userName);
  if (changes.roles !== undefined) user.idpRoleKeys = idpRoleKeysOf(user.roles);
  return changes;
}
