import { resolveEffectiveAccess } from "./resolve";
import type { AccessSubgraph, RoleFact } from "./types";

/** The key of an access map's entry for every account it does not name. */
export const EVERY_OTHER_ACCOUNT = "*";

/**
 * A user's effective roles on every account of the organization, without listing every account:
 * the roles on each account some fact of the user names (a binding or a matching mapping scoped to
 * it), and under EVERY_OTHER_ACCOUNT the roles on all the others (what organization-wide facts
 * grant). Each entry is resolved by resolveEffectiveAccess itself, so it follows exactly its rules
 * (a mapping scoped to one account keeps the default role off there and nowhere else).
 */
export type AccessMap = Map<string, RoleFact[]>;

export function accessMapOf(graph: Omit<AccessSubgraph, "accountId">): AccessMap {
  const named = new Set<string>();
  for (const binding of graph.bindings) if (binding.accountId) named.add(binding.accountId);
  for (const mapping of graph.mappings) if (mapping.accountId) named.add(mapping.accountId);
  const map: AccessMap = new Map();
  // No account has the id "*": only organization-wide facts are in scope for it.
  for (const accountId of [EVERY_OTHER_ACCOUNT, ...named]) {
    map.set(accountId, resolveEffectiveAccess({ ...graph, accountId }).roles.map((granted) => granted.role));
  }
  return map;
}

/** Roles gained and lost on one account, or on every account a change names none of (`accountId` null). */
export interface AccountAccessChange {
  accountId: string | null;
  gained: RoleFact[];
  lost: RoleFact[];
}

/**
 * What changed between two access maps of one user: one entry per account whose roles differ, in
 * a stable order (every other account first, then by id); none when nothing changed. An account a
 * map does not name has that map's EVERY_OTHER_ACCOUNT roles.
 */
export function accessChanges(before: AccessMap, after: AccessMap): AccountAccessChange[] {
  const accounts = [...new Set([...before.keys(), ...after.keys()])]
    .sort((a, b) => (a === EVERY_OTHER_ACCOUNT ? -1 : b === EVERY_OTHER_ACCOUNT ? 1 : a < b ? -1 : a > b ? 1 : 0));
  const changes: AccountAccessChange[] = [];
  for (const accountId of accounts) {
    const was = before.get(accountId) ?? before.get(EVERY_OTHER_ACCOUNT) ?? [];
    const is = after.get(accountId) ?? after.get(EVERY_OTHER_ACCOUNT) ?? [];
    const wasIds = new Set(was.map((r) => r.id));
    const isIds = new Set(is.map((r) => r.id));
    const gained = is.filter((r) => !wasIds.has(r.id));
    const lost = was.filter((r) => !isIds.has(r.id));
    if (gained.length > 0 || lost.length > 0) changes.push({ accountId: accountId === EVERY_OTHER_ACCOUNT ? null : accountId, gained, lost });
  }
  return changes;
}
