import { foldName } from "./names";
import { groupChains, hasPermission, permissionCovers, resolveEffectiveAccess } from "./resolve";
import type { AccessSubgraph, BindingFact, GrantedRole, MappingFact, RoleFact } from "./types";

/**
 * The kinds of way a denied permission would be granted, in the order an answer lists them: the
 * user's own state first (inactive, or already granted on another account), then changes to the
 * user's memberships and IdP values, the default role, and last the generic fix, a new binding.
 */
export const WHY_NOT_KINDS = ["INACTIVE", "BOUND_ON_OTHER_ACCOUNT", "JOIN_GROUP", "IDP_ROLE_VALUE", "DEFAULT_ROLE_SUPPRESSED", "BIND_USER"] as const;
export type WhyNotKind = (typeof WHY_NOT_KINDS)[number];

/** One way the permission would be granted, with the ids to act on (null or empty where a kind has none). */
export interface WhyNotOption {
  kind: WhyNotKind;
  /** The role carrying the permission that this way grants. */
  roleId: string;
  /** JOIN_GROUP: the bound group; BOUND_ON_OTHER_ACCOUNT through a group: the group the binding is on. */
  groupId: string | null;
  /** JOIN_GROUP, BOUND_ON_OTHER_ACCOUNT: the binding. */
  bindingId: string | null;
  /** IDP_ROLE_VALUE: the mapping; DEFAULT_ROLE_SUPPRESSED: every mapping in scope that matched the user. */
  mappingIds: string[];
  /**
   * The scope the way grants the role on (null: the whole organization): JOIN_GROUP the binding's, IDP_ROLE_VALUE the mapping's,
   * BIND_USER this account; BOUND_ON_OTHER_ACCOUNT the other account the binding is scoped to.
   */
  accountId: string | null;
  /** IDP_ROLE_VALUE: the value the IdP would have to send, as the mapping spells it. */
  idpValue: string | null;
  /** Whether the user would also have to be reactivated (it is inactive, and reactivating alone does not grant it). */
  needsReactivation: boolean;
}

/** What the organization has that carries the permission, beyond the user's own access facts. */
export interface PermissionGrantors {
  /** The organization's roles (any: those that do not carry the permission are left out here). */
  roles: RoleFact[];
  /** Bindings of those roles on groups, at organization scope or on the account asked about. */
  groupBindings: BindingFact[];
  /** Mappings to those roles, at organization scope or on the account asked about. */
  mappings: MappingFact[];
}

export interface WhyNotAnalysis {
  /** Exactly `can`: hasPermission of the resolved access. */
  allowed: boolean;
  userActive: boolean;
  /** When allowed: the user's roles on the account that carry the permission, with their grants. */
  grantedBy: GrantedRole[];
  /** The organization's roles that carry the permission (`area.*` and `*` count), by key. */
  rolesWithPermission: RoleFact[];
  /** Empty when allowed; otherwise every way found, in WHY_NOT_KINDS order, then by ids. */
  options: WhyNotOption[];
}

/**
 * Why a user may not do `permission` on the subgraph's account, and what would grant it. Every
 * option is checked by resolveEffectiveAccess itself — the change it names is applied to the
 * subgraph and the result must grant the permission — so an answer never names a change the
 * rules of effective access would not honour (the default role a new IdP value would switch off,
 * an inactive user). Pure: no I/O.
 */
export function analyseWhyNot(graph: AccessSubgraph, permission: string, grantors: PermissionGrantors): WhyNotAnalysis {
  const carries = (role: RoleFact | undefined) => role !== undefined && role.permissions.some((granted) => permissionCovers(granted, permission));
  const access = resolveEffectiveAccess(graph);
  const rolesWithPermission = grantors.roles.filter(carries).sort(byKey);
  const base = { userActive: graph.user.active, rolesWithPermission };
  if (hasPermission(access, permission)) {
    return { ...base, allowed: true, grantedBy: access.roles.filter((granted) => carries(granted.role)), options: [] };
  }

  // The user as if active, knowing every role that carries the permission (the access facts name
  // only the roles the user's own bindings and the mappings reach).
  const roles = new Map(graph.roles);
  for (const role of rolesWithPermission) roles.set(role.id, role);
  const active: AccessSubgraph = { ...graph, user: { ...graph.user, active: true }, roles };
  const grants = (changed: AccessSubgraph) => hasPermission(resolveEffectiveAccess(changed), permission);
  const carrying = new Set(rolesWithPermission.map((role) => role.id));

  if (!graph.user.active) {
    const reactivated = resolveEffectiveAccess(active).roles.filter((granted) => carrying.has(granted.role.id));
    // Reactivating is the whole fix: every other way would need it as well, and add nothing.
    if (reactivated.length > 0) return { ...base, allowed: false, grantedBy: [], options: reactivated.map(({ role }) => option("INACTIVE", role.id, {}, false)) };
  }
  const needsReactivation = !graph.user.active;
  const make = (kind: WhyNotKind, roleId: string, ids: Partial<WhyNotOption>) => option(kind, roleId, ids, needsReactivation);
  const inScope = (accountId: string | null) => accountId === null || accountId === graph.accountId;
  const chains = active.groupChains ?? groupChains(active.directGroupIds, active.parentGroups);
  const options: WhyNotOption[] = [];

  // Held already, through a binding scoped to another account: resolved there, by the same rules.
  const otherAccounts = new Set(active.bindings.filter((b) => b.accountId !== null && b.accountId !== graph.accountId && carrying.has(b.roleId)).map((b) => b.accountId as string));
  for (const accountId of otherAccounts) {
    for (const { role, grants: paths } of resolveEffectiveAccess({ ...active, accountId }).roles) {
      if (!carrying.has(role.id)) continue;
      for (const grant of paths) {
        if ((grant.kind !== "DIRECT" && grant.kind !== "GROUP") || grant.scope !== "ACCOUNT") continue;
        const groupId = grant.kind === "GROUP" ? grant.groupChain[grant.groupChain.length - 1] : null;
        options.push(make("BOUND_ON_OTHER_ACCOUNT", role.id, { bindingId: grant.bindingId, groupId, accountId }));
      }
    }
  }

  for (const binding of grantors.groupBindings) {
    if (binding.subject.kind !== "group" || !carrying.has(binding.roleId) || !inScope(binding.accountId) || chains.has(binding.subject.id)) continue;
    const joined = { ...active, directGroupIds: [...active.directGroupIds, binding.subject.id], groupChains: undefined, bindings: [...active.bindings, binding] };
    if (grants(joined)) options.push(make("JOIN_GROUP", binding.roleId, { groupId: binding.subject.id, bindingId: binding.id, accountId: binding.accountId }));
  }

  const userValues = new Set(graph.user.idpRoleValues.map(foldName));
  const knownMappings = new Set(active.mappings.map((m) => m.id));
  const mappings = [...active.mappings, ...grantors.mappings.filter((m) => !knownMappings.has(m.id))];
  for (const mapping of mappings) {
    if (!carrying.has(mapping.roleId) || !inScope(mapping.accountId) || userValues.has(foldName(mapping.idpValue))) continue;
    const sent = { ...active, user: { ...active.user, idpRoleValues: [...active.user.idpRoleValues, mapping.idpValue] }, mappings };
    if (grants(sent)) options.push(make("IDP_ROLE_VALUE", mapping.roleId, { mappingIds: [mapping.id], accountId: mapping.accountId, idpValue: mapping.idpValue }));
  }

  if (graph.defaultRoleId !== null && carrying.has(graph.defaultRoleId)) {
    // The default role applies only when no mapping in scope matched (resolve.ts, rule 4).
    const matched = active.mappings.filter((m) => inScope(m.accountId) && userValues.has(foldName(m.idpValue)));
    const unmatched = { ...active, mappings: active.mappings.filter((m) => !matched.includes(m)) };
    if (matched.length > 0 && grants(unmatched)) {
      options.push(make("DEFAULT_ROLE_SUPPRESSED", graph.defaultRoleId, { mappingIds: matched.map((m) => m.id).sort() }));
    }
  }

  for (const role of rolesWithPermission) {
    const binding: BindingFact = { id: "", roleId: role.id, subject: { kind: "user", id: graph.user.id }, accountId: graph.accountId };
    if (grants({ ...active, bindings: [...active.bindings, binding] })) options.push(make("BIND_USER", role.id, { accountId: graph.accountId }));
  }

  return { ...base, allowed: false, grantedBy: [], options: options.sort(compareOptions) };
}

function option(kind: WhyNotKind, roleId: string, ids: Partial<WhyNotOption>, needsReactivation: boolean): WhyNotOption {
  return { kind, roleId, groupId: null, bindingId: null, mappingIds: [], accountId: null, idpValue: null, ...ids, needsReactivation };
}

/** By kind (WHY_NOT_KINDS order), then by the ids; ids are compared as code units, as everywhere in access/. */
export function compareOptions(a: WhyNotOption, b: WhyNotOption): number {
  const byKind = WHY_NOT_KINDS.indexOf(a.kind) - WHY_NOT_KINDS.indexOf(b.kind);
  if (byKind !== 0) return byKind;
  const key = (o: WhyNotOption) => [o.roleId, o.groupId ?? "", o.bindingId ?? "", o.mappingIds.join(","), o.accountId ?? "", o.idpValue ?? ""];
  const [ka, kb] = [key(a), key(b)];
  for (let i = 0; i < ka.length; i += 1) if (ka[i] !== kb[i]) return ka[i] < kb[i] ? -1 : 1;
  return 0;
}

function byKey(a: RoleFact, b: RoleFact): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
