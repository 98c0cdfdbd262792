import { bindingReachesUser, groupChains, resolveEffectiveAccess } from "./resolve";
import type { AccessSubgraph, BindingFact, EffectiveAccess, MappingFact, RoleFact } from "./types";

/** The key of an access map's entry for every account it does not name. */
export const EVERY_OTHER_ACCOUNT = "*";

/**
 * A user's effective roles on every account of the organization, without listing every account:
 * the roles on each account some fact of the user names (a binding of the user or of its groups,
 * or any of the organization's mappings, scoped to it), and under EVERY_OTHER_ACCOUNT the roles on
 * all the others (what organization-wide facts
 * grant). Each entry is resolved by resolveEffectiveAccess itself, so it follows exactly its rules
 * (a mapping scoped to one account keeps the default role off there and nowhere else).
 */
export type AccessMap = Map<string, RoleFact[]>;

export function accessMapOf(graph: Omit<AccessSubgraph, "accountId">): AccessMap {
  const bindings = factsByAccount(graph.bindings);
  const mappings = factsByAccount(graph.mappings);
  const rolesOn = (accountId: string) =>
    resolveEffectiveAccess({ ...graph, accountId, bindings: bindings.on(accountId), mappings: mappings.on(accountId) }).roles.map((granted) => granted.role);
  const map: AccessMap = new Map([[EVERY_OTHER_ACCOUNT, rolesOn(EVERY_OTHER_ACCOUNT)]]);
  // Which roles resolution gives on an account depends on the facts scoped to it only through
  // each binding's role and whether its subject reaches the user (bindingReachesUser), and each
  // mapping's role and IdP value — never on the account's or the facts' ids. Accounts whose own
  // facts are alike (a user whose 500 groups are each bound on two of 1,000 accounts with one of
  // four roles) are resolved once per kind, not once each.
  const chains = graph.groupChains ?? groupChains(graph.directGroupIds, graph.parentGroups);
  const byKind = new Map<string, RoleFact[]>();
  for (const accountId of namedAccounts(bindings, mappings)) {
    const kind = kindOfFacts(bindings.byAccount.get(accountId) ?? [], mappings.byAccount.get(accountId) ?? [], (b) => bindingReachesUser(b, graph.user.id, chains));
    let roles = byKind.get(kind);
    if (!roles) byKind.set(kind, (roles = rolesOn(accountId)));
    map.set(accountId, roles);
  }
  return map;
}

/** What resolution reads of an account's own facts, as one comparable text. */
function kindOfFacts(bindings: BindingFact[], mappings: MappingFact[], reaches: (binding: BindingFact) => boolean): string {
  const own = [
    ...bindings.map((b) => `b ${b.roleId} ${reaches(b)}`),
    ...mappings.map((m) => `m ${m.roleId} ${JSON.stringify(m.idpValue)}`),
  ];
  return own.sort().join("\n");
}

function namedAccounts(bindings: FactsByAccount<BindingFact>, mappings: FactsByAccount<MappingFact>): Set<string> {
  return new Set([...bindings.byAccount.keys(), ...mappings.byAccount.keys()]);
}

/**
 * The user's effective access, with grants, on each account its facts name and under
 * EVERY_OTHER_ACCOUNT on all the others: the entries of an access map, before the grants are
 * dropped. The access review lists every account from it; an account not named reads the
 * EVERY_OTHER_ACCOUNT entry (whose accountId is that key, not an account's).
 */
export function accessByAccount(graph: Omit<AccessSubgraph, "accountId">): Map<string, EffectiveAccess> {
  const bindings = factsByAccount(graph.bindings);
  const mappings = factsByAccount(graph.mappings);
  const entries = new Map<string, EffectiveAccess>();
  // No account has the id "*": only organization-wide facts are in scope for it.
  entries.set(EVERY_OTHER_ACCOUNT, resolveEffectiveAccess({ ...graph, accountId: EVERY_OTHER_ACCOUNT, bindings: bindings.on(EVERY_OTHER_ACCOUNT), mappings: mappings.on(EVERY_OTHER_ACCOUNT) }));
  // Each named account is resolved with only the facts in scope there: the same answer (resolution
  // skips the others), without walking a user's thousand account bindings once per account.
  for (const accountId of namedAccounts(bindings, mappings)) {
    entries.set(accountId, resolveEffectiveAccess({ ...graph, accountId, bindings: bindings.on(accountId), mappings: mappings.on(accountId) }));
  }
  return entries;
}

interface FactsByAccount<F> {
  orgWide: F[];
  byAccount: Map<string, F[]>;
  /** The facts in scope on an account (EVERY_OTHER_ACCOUNT: the organization-wide ones), in their original order. */
  on(accountId: string): F[];
}

/** Facts scoped to the organization, and per account those scoped to it. */
function factsByAccount<F extends { accountId: string | null }>(facts: F[]): FactsByAccount<F> {
  const orgWide: F[] = [];
  const byAccount = new Map<string, F[]>();
  for (const fact of facts) {
    if (fact.accountId === null) orgWide.push(fact);
    else {
      const own = byAccount.get(fact.accountId);
      if (own) own.push(fact);
      else byAccount.set(fact.accountId, [fact]);
    }
  }
  const order = new Map(facts.map((fact, i) => [fact, i]));
  const on = (accountId: string) => {
    if (accountId === EVERY_OTHER_ACCOUNT) return orgWide;
    const own = byAccount.get(accountId) ?? [];
    return orgWide.length === 0 ? own : [...orgWide, ...own].sort((a, b) => (order.get(a) as number) - (order.get(b) as number));
  };
  return { orgWide, byAccount, on };
}

/** Roles gained and lost on one account, or on every account a change names none of (`accountId` null). */
export interface AccountAccessChange {
  accountId: string | null;
  gained: RoleFact[];
  lost: RoleFact[];
}

/**
 * What changed between two access maps of one user, in a stable order (every other account first,
 * then by id); none when nothing changed. An account a map does not name has that map's
 * EVERY_OTHER_ACCOUNT roles. The entry for every other account (accountId null) holds for each
 * account not listed; a listed account has exactly its own change, which may be none at all
 * (`gained` and `lost` empty) where the others' change does not reach it — a mapping scoped to it
 * keeps a new default role off there, say.
 */
export function accessChanges(before: AccessMap, after: AccessMap): AccountAccessChange[] {
  const changeOf = (accountId: string) => {
    const was = before.get(accountId) ?? before.get(EVERY_OTHER_ACCOUNT) ?? [];
    const is = after.get(accountId) ?? after.get(EVERY_OTHER_ACCOUNT) ?? [];
    const wasIds = new Set(was.map((r) => r.id));
    const isIds = new Set(is.map((r) => r.id));
    return { gained: is.filter((r) => !wasIds.has(r.id)), lost: was.filter((r) => !isIds.has(r.id)) };
  };
  const others = changeOf(EVERY_OTHER_ACCOUNT);
  const changes: AccountAccessChange[] = [];
  if (others.gained.length > 0 || others.lost.length > 0) changes.push({ accountId: null, ...others });
  const named = [...new Set([...before.keys(), ...after.keys()])].filter((id) => id !== EVERY_OTHER_ACCOUNT).sort();
  for (const accountId of named) {
    const own = changeOf(accountId);
    if (!sameRoles(own.gained, others.gained) || !sameRoles(own.lost, others.lost)) changes.push({ accountId, ...own });
  }
  return changes;
}

function sameRoles(a: RoleFact[], b: RoleFact[]): boolean {
  if (a.length !== b.length) return false;
  const ids = new Set(a.map((r) => r.id));
  return b.every((r) => ids.has(r.id));
}
