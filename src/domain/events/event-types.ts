import { Invalid } from "../errors";

/**
 * Every event type the feed and the webhooks carry, with what it means: the README's table and the
 * check on an endpoint's event types come from here. Changes made over SCIM take Stytch's names
 * (`scim.*`); the same changes made by an admin over GraphQL keep the directory's own names.
 */
export const EVENT_TYPES: Readonly<Record<string, string>> = {
  "access.changed": "a user's effective roles changed on some accounts: the roles gained and lost per account, and the change that caused it",
  "scim.member.create": "an identity provider created a user",
  "scim.member.update": "an identity provider changed a user (attributes, active, roles)",
  "scim.member.delete": "an identity provider deleted a user",
  "scim.idp_group.create": "an identity provider created a group",
  "scim.idp_group.update": "an identity provider renamed or changed a group",
  "scim.idp_group.delete": "an identity provider deleted a group",
  "scim.idp_group.member_add": "an identity provider added members to a group",
  "scim.idp_group.member_delete": "an identity provider removed members from a group",
  "organization.create": "an organization was created",
  "organization.update": "an organization's name or settings changed (SCIM settings, default role, limits)",
  "account.create": "an account was created",
  "account.update": "an account was renamed",
  "account.delete": "an account was deleted",
  "user.create": "an admin created a user",
  "user.update": "an admin changed a user",
  "user.delete": "an admin deleted a user",
  "user.link_scim": "an admin linked a user to the identity provider",
  "group.create": "an admin created a group",
  "group.update": "an admin changed a group",
  "group.delete": "an admin deleted a group",
  "group.link_scim": "an admin linked a group to the identity provider",
  "group.member_add": "an admin added members to a group",
  "group.member_remove": "an admin removed members from a group",
  "role.create": "a role was created",
  "role.update": "a role's name or permissions changed",
  "role.delete": "a role was deleted",
  "role_binding.create": "a role was bound to a user or group",
  "role_binding.delete": "a role binding was removed",
  "role_mapping.set": "an IdP role value was mapped to a role",
  "role_mapping.delete": "an IdP role value mapping was removed",
  "api_key.create": "an API key was issued",
  "api_key.revoke": "an API key was revoked",
  "scim_token.create": "a SCIM token was issued",
  "scim_token.revoke": "a SCIM token was revoked",
  "webhook_endpoint.create": "a webhook endpoint was created",
  "webhook_endpoint.update": "a webhook endpoint was changed (URL, event types, enabled)",
  "webhook_endpoint.delete": "a webhook endpoint was deleted",
  "webhook_endpoint.secret_rotate": "a webhook endpoint's signing secret was rotated",
  "webhook_endpoint.disabled": "the server disabled a webhook endpoint after a run of failed deliveries",
  "webhook_delivery.replay": "an admin asked for a webhook delivery to be sent again",
};

export function isEventType(type: string): boolean {
  return Object.prototype.hasOwnProperty.call(EVENT_TYPES, type);
}

/** Refuses (INVALID) any of `types` that is not an event type, naming them all. */
export function assertEventTypes(types: readonly string[], field = "types"): void {
  const unknown = types.filter((type) => !isEventType(type));
  if (unknown.length === 0) return;
  const named = unknown.map((t) => `"${t}"`).join(", ");
  throw new Invalid(`${field}: ${named} ${unknown.length > 1 ? "are not event types" : "is not an event type"} (see the README's list)`);
}
