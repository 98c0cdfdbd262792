import type { EntityManager } from "@mikro-orm/core";
import { hasPermission, resolveEffectiveAccess } from "../../access/resolve";
import type { EffectiveAccess } from "../../access/types";
import { checkAccessTarget, loadAccessGraphs, type AccessTarget } from "./access-graphs";
import type { Actor } from "../actor";

export interface AccessCheck extends AccessTarget {
  permission: string;
}

/**
 * Effective access for many (user, account) pairs, loaded together in a bounded number of
 * queries. Each pair must name a user and an account of the same organization, visible to the
 * actor; a pair that does not gets its own error, the others still resolve (DataLoader's contract).
 */
export async function getEffectiveAccessEach(em: EntityManager, actor: Actor, targets: AccessTarget[]): Promise<Array<EffectiveAccess | Error>> {
  const graphs = await loadAccessGraphs(em, targets);
  return targets.map((target) => {
    try {
      checkAccessTarget(actor, graphs, target);
      return resolveEffectiveAccess(graphs.subgraph(target));
    } catch (error) {
      return error as Error;
    }
  });
}

/** Like getEffectiveAccessEach, but fails as a whole when any pair fails. */
export async function getEffectiveAccess(em: EntityManager, actor: Actor, targets: AccessTarget[]): Promise<EffectiveAccess[]> {
  const results = await getEffectiveAccessEach(em, actor, targets);
  const failure = results.find((r): r is Error => r instanceof Error);
  if (failure) throw failure;
  return results as EffectiveAccess[];
}

/** Answers many "may user U do P on account A?" checks at once. */
export async function checkPermissions(em: EntityManager, actor: Actor, checks: AccessCheck[]): Promise<boolean[]> {
  const unique = new Map<string, AccessTarget>();
  for (const c of checks) unique.set(`${c.userId}|${c.accountId}`, { userId: c.userId, accountId: c.accountId });
  const resolved = await getEffectiveAccess(em, actor, [...unique.values()]);
  const byPair = new Map(resolved.map((a) => [`${a.userId}|${a.accountId}`, a]));
  return checks.map((c) => hasPermission(byPair.get(`${c.userId}|${c.accountId}`) as EffectiveAccess, c.permission));
}

export { hasPermission };
export type { EffectiveAccess, Grant } from "../../access/types";
