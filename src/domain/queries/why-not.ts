import type { EntityManager } from "@mikro-orm/core";
import { permissionCovers } from "../../access/resolve";
import { analyseWhyNot, type WhyNotAnalysis, type WhyNotOption } from "../../access/why-not";
import type { AccessSubgraph } from "../../access/types";
import type { Actor } from "../actor";
import { Role } from "../model";
import { storeOf } from "../ports/store";
import type { WhyNotFacts } from "../ports/why-not";
import { checkAccessTarget, loadAccessGraphs, type AccessTarget } from "./access-graphs";
import { describeOption, summarize, type WhyNotNames } from "./why-not-sentences";

export interface WhyNotQuestion extends AccessTarget {
  permission: string;
}

export interface WhyNotAnswer extends Omit<WhyNotAnalysis, "options" | "rolesWithPermission"> {
  userId: string;
  accountId: string;
  permission: string;
  /** The answer in one sentence. */
  summary: string;
  /** The organization's roles that carry the permission, by key. */
  rolesWithPermission: Role[];
  options: Array<WhyNotOption & { description: string }>;
}

const NO_FACTS: WhyNotFacts = { groupBindings: [], mappings: [], groupNames: new Map(), accountNames: new Map() };

/**
 * For a `can` question: the answer `can` gives, and when it is no, every way the permission
 * would be granted (access/why-not.ts: each checked by the rules of effective access themselves).
 * Three statements whatever the directory's size: the user's access facts (loadAccessGraphs, as
 * `can` reads them), the organization's roles, and where the roles carrying the permission reach
 * (DirectoryStore.whyNotFacts) — the last skipped when no role carries it.
 */
export async function whyNot(em: EntityManager, actor: Actor, question: WhyNotQuestion): Promise<WhyNotAnswer> {
  const target = { userId: question.userId, accountId: question.accountId };
  const graphs = await loadAccessGraphs(em, [target]);
  const organizationId = checkAccessTarget(actor, graphs, target);
  const graph = graphs.subgraph(target);

  const roles = await em.find(Role, { organization: organizationId }, { orderBy: { key: "asc" } });
  const carrying = roles.filter((role) => role.permissions.some((granted) => permissionCovers(granted, question.permission)));
  const facts = carrying.length === 0 ? NO_FACTS : await storeOf(em).whyNotFacts(em, {
    organizationId,
    accountId: question.accountId,
    roleIds: carrying.map((role) => role.id),
    groupIds: [...(graph.groupChains?.keys() ?? [])],
    accountIds: [question.accountId, ...new Set(graph.bindings.flatMap((b) => (b.accountId ? [b.accountId] : [])))],
  });

  const analysis = analyseWhyNot(graph, question.permission, {
    roles: carrying.map((role) => ({ id: role.id, key: role.key, name: role.name, permissions: role.permissions })),
    groupBindings: facts.groupBindings.map((b) => ({ id: b.id, roleId: b.roleId, subject: { kind: "group" as const, id: b.groupId }, accountId: b.accountId })),
    mappings: facts.mappings,
  });
  const names = namesOf(question, graph, roles, facts);
  const byId = new Map(carrying.map((role) => [role.id, role]));
  return {
    ...analysis,
    userId: question.userId,
    accountId: question.accountId,
    permission: question.permission,
    summary: summarize(analysis, names),
    rolesWithPermission: analysis.rolesWithPermission.map((role) => byId.get(role.id) as Role),
    options: analysis.options.map((option) => ({ ...option, description: describeOption(option, names) })),
  };
}

function namesOf(question: WhyNotQuestion, graph: AccessSubgraph, roles: Role[], facts: WhyNotFacts): WhyNotNames {
  const roleKeys = new Map(roles.map((role) => [role.id, role.key]));
  const mappings = new Map([...graph.mappings, ...facts.mappings].map((m) => [m.id, m.idpValue]));
  return {
    permission: question.permission,
    accountId: question.accountId,
    role: (id) => roleKeys.get(id) ?? graph.roles.get(id)?.key ?? id,
    group: (id) => facts.groupNames.get(id) ?? id,
    account: (id) => facts.accountNames.get(id) ?? id,
    mappingValue: (id) => mappings.get(id) ?? null,
  };
}
