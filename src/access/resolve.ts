import { foldName } from "./names";
import type { AccessSubgraph, BindingFact, EffectiveAccess, Grant, GrantScope, MappingFact, RoleFact } from "./types";

/**
 * Effective access of one user on one account (DESIGN.md "Effective access"): the union of
 * 1. bindings on the user, 2. bindings on every group the user is in, directly or through
 * nesting, 3. role mappings matching the user's IdP role values, and 4. the default role when no
 * mapping matched. Bindings and mappings count when scoped to the organization or to this account.
 * An inactive user has nothing. Pure: no I/O.
 */
export function resolveEffectiveAccess(graph: AccessSubgraph): EffectiveAccess {
  const granted = new Map<string, Grant[]>();
  const grant = (roleId: string, g: Grant) => {
    if (!graph.roles.has(roleId)) return;
    const list = granted.get(roleId);
    if (list) list.push(g);
    else granted.set(roleId, [g]);
  };

  if (graph.user.active) {
    const inScope = (accountId: string | null) => accountId === null || accountId === graph.accountId;
    const scopeOf = (accountId: string | null): GrantScope => (accountId === null ? "ORGANIZATION" : "ACCOUNT");
    const chains = graph.groupChains ?? groupChains(graph.directGroupIds, graph.parentGroups);

    for (const binding of graph.bindings) {
      if (!inScope(binding.accountId)) continue;
      const scope = scopeOf(binding.accountId);
      if (!bindingReachesUser(binding, graph.user.id, chains)) continue;
      if (binding.subject.kind === "user") grant(binding.roleId, { kind: "DIRECT", bindingId: binding.id, scope });
      else grant(binding.roleId, { kind: "GROUP", bindingId: binding.id, scope, groupChain: chains.get(binding.subject.id) as string[] });
    }

    const userValues = foldedValuesOf(graph.user);
    let mapped = false;
    for (const mapping of graph.mappings) {
      if (!inScope(mapping.accountId) || !userValues.has(foldedValueOf(mapping))) continue;
      mapped = true;
      grant(mapping.roleId, { kind: "MAPPING", mappingId: mapping.id, idpValue: mapping.idpValue, scope: scopeOf(mapping.accountId) });
    }
    if (!mapped && graph.defaultRoleId) grant(graph.defaultRoleId, { kind: "DEFAULT" });
  }

  const roles = [...granted.entries()]
    .map(([roleId, grants]) => ({ role: graph.roles.get(roleId) as RoleFact, grants }))
    // Keys are lower-case ASCII (commands refuse others): code-unit order, no locale collation.
    .sort((a, b) => (a.role.key < b.role.key ? -1 : a.role.key > b.role.key ? 1 : 0));
  const permissions = [...new Set(roles.flatMap((r) => r.role.permissions))].sort();
  return { userId: graph.user.id, accountId: graph.accountId, roles, permissions };
}

/** Whether a binding's subject is the user, or a group the user is in (a key of its group chains). */
export function bindingReachesUser(binding: BindingFact, userId: string, chains: Map<string, string[]>): boolean {
  return binding.subject.kind === "user" ? binding.subject.id === userId : chains.has(binding.subject.id);
}

/**
 * Folded IdP values, once per fact object: the same user and mappings are resolved on many
 * accounts (an access map, whereCan, the review), and Unicode normalization is most of what one
 * resolution costs. Facts are plain data that nothing changes once loaded.
 */
const foldedUserValues = new WeakMap<AccessSubgraph["user"], Set<string>>();
const foldedMappingValues = new WeakMap<MappingFact, string>();

function foldedValuesOf(user: AccessSubgraph["user"]): Set<string> {
  let values = foldedUserValues.get(user);
  if (!values) foldedUserValues.set(user, (values = new Set(user.idpRoleValues.map(foldName))));
  return values;
}

function foldedValueOf(mapping: MappingFact): string {
  let value = foldedMappingValues.get(mapping);
  if (value === undefined) foldedMappingValues.set(mapping, (value = foldName(mapping.idpValue)));
  return value;
}

/**
 * For every group reachable from the user's direct groups, the shortest chain of groups leading
 * to it (breadth-first). A group reached along several paths (a diamond) gets one chain, so a
 * binding on it grants once; a cycle, which commands refuse anyway, cannot loop forever.
 */
export function groupChains(directGroupIds: string[], parentGroups: Map<string, string[]>): Map<string, string[]> {
  const chains = new Map<string, string[]>();
  let frontier: string[] = [];
  for (const id of sortedCopy(directGroupIds)) {
    if (chains.has(id)) continue;
    chains.set(id, [id]);
    frontier.push(id);
  }
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const id of frontier) {
      const chain = chains.get(id) as string[];
      const parents = parentGroups.get(id);
      if (!parents) continue;
      for (const parent of sortedCopy(parents)) {
        if (chains.has(parent)) continue;
        chains.set(parent, [...chain, parent]);
        next.push(parent);
      }
    }
    frontier = next;
  }
  return chains;
}

/** Sorted, for chains that do not depend on load order; most lists have one entry (no copy then). */
function sortedCopy(ids: string[]): string[] {
  return ids.length > 1 ? [...ids].sort() : ids;
}

/** Whether the resolved access includes a permission. `area.*` in a role grants every `area.x`. */
export function hasPermission(access: EffectiveAccess, permission: string): boolean {
  return access.permissions.some((granted) => permissionCovers(granted, permission));
}

export function permissionCovers(granted: string, wanted: string): boolean {
  if (granted === wanted || granted === "*") return true;
  return granted.endsWith(".*") && wanted.startsWith(granted.slice(0, -1));
}
