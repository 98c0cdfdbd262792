import type { WhyNotAnalysis, WhyNotOption } from "../../access/why-not";

/** How the sentences name what they mention; an id stands in for a name that is not known. */
export interface WhyNotNames {
  permission: string;
  accountId: string;
  role(id: string): string;
  group(id: string): string;
  account(id: string): string;
  mappingValue(id: string): string | null;
}

/**
 * The one sentence a support engineer acts on, for each option: what to change, and which rule of
 * effective access (DESIGN.md) makes the change grant the permission.
 */
export function describeOption(option: WhyNotOption, names: WhyNotNames): string {
  const role = `role "${names.role(option.roleId)}"`;
  const here = `account "${names.account(names.accountId)}"`;
  const scope = (accountId: string | null) => (accountId === null ? "for the whole organization" : `on account "${names.account(accountId)}"`);
  const sentence = ((): string => {
    switch (option.kind) {
      case "INACTIVE":
        return `Reactivate the user: an inactive user holds no role, and once active it would hold ${role}, which carries ${names.permission} on ${here}.`;
      case "BOUND_ON_OTHER_ACCOUNT": {
        const subject = option.groupId === null ? "on the user" : `on group "${names.group(option.groupId)}"`;
        return `The user already holds ${role} ${scope(option.accountId)}, through binding ${option.bindingId} ${subject}, but that binding does not reach ${here}: `
          + `bind the role there or for the whole organization.`;
      }
      case "JOIN_GROUP":
        return `Add the user to group "${names.group(option.groupId as string)}" (or to any group nested in it): binding ${option.bindingId} grants its members ${role} `
          + `${scope(option.accountId)}.`;
      case "IDP_ROLE_VALUE":
        return `Have the identity provider send the role value "${option.idpValue}" for the user: mapping ${option.mappingIds[0]} maps it to ${role} ${scope(option.accountId)}.`;
      case "DEFAULT_ROLE_SUPPRESSED": {
        const matched = option.mappingIds.map((id) => `${id} ("${names.mappingValue(id) ?? "?"}")`).join(", ");
        const mappings = option.mappingIds.length === 1 ? `mapping ${matched}` : `mappings ${matched}`;
        return `The default ${role} carries ${names.permission} but applies only when no mapping in scope matches the user's IdP role values, `
          + `and ${mappings} ${option.mappingIds.length === 1 ? "matches" : "match"}: remove ${option.mappingIds.length === 1 ? "it" : "them"}, or the user's matching value${option.mappingIds.length === 1 ? "" : "s"}.`;
      }
      case "BIND_USER":
        return `Bind ${role} to the user on ${here} (or for the whole organization).`;
    }
  })();
  return option.needsReactivation ? `${sentence.slice(0, -1)}; the user must also be reactivated, as it is inactive.` : sentence;
}

/** The answer in one sentence: allowed and by what, or the first reason it is not. */
export function summarize(analysis: WhyNotAnalysis, names: WhyNotNames): string {
  const { permission } = names;
  const here = `account "${names.account(names.accountId)}"`;
  const roles = (ids: string[]) => ids.map((id) => `"${names.role(id)}"`).join(", ");
  if (analysis.allowed) {
    return `Allowed: ${analysis.grantedBy.length === 1 ? "role" : "roles"} ${roles(analysis.grantedBy.map((g) => g.role.id))} the user holds on ${here} ${analysis.grantedBy.length === 1 ? "carries" : "carry"} ${permission}.`;
  }
  const noRole = `no role of the organization carries ${permission}: create a role with it, or add it to a role`;
  if (!analysis.userActive) {
    const reactivation = analysis.options.filter((o) => o.kind === "INACTIVE");
    if (reactivation.length > 0) return `Denied because the user is inactive: reactivating it would grant ${permission} through ${reactivation.length === 1 ? "role" : "roles"} ${roles(reactivation.map((o) => o.roleId))}.`;
    if (analysis.rolesWithPermission.length === 0) return `Denied: the user is inactive, and ${noRole}.`;
    return `Denied: the user is inactive, and even once reactivated it would hold no role carrying ${permission} on ${here}; each option below also needs the user reactivated.`;
  }
  if (analysis.rolesWithPermission.length === 0) return `Denied: ${noRole}.`;
  return `Denied: no role the user holds on ${here} carries ${permission}; ${analysis.rolesWithPermission.length === 1 ? "role" : "roles"} ${roles(analysis.rolesWithPermission.map((r) => r.id))} `
    + `${analysis.rolesWithPermission.length === 1 ? "does" : "do"}, and the options say how the user would get ${analysis.rolesWithPermission.length === 1 ? "it" : "one"}.`;
}
