import type { EntityManager } from "@mikro-orm/core";
import { permissionCovers, resolveEffectiveAccess } from "../../access/resolve";
import type { GrantedRole } from "../../access/types";
import { Account, Organization, Role, RoleMapping } from "../../store/entities";
import type { Actor } from "../actor";
import { Invalid, NotFound } from "../errors";
import { findVisible } from "../lookup";
import type { GrantHolderQuery } from "../ports/access-questions";
import { storeOf } from "../ports/store";
import { assertOrgVisible } from "../tenancy";
import { loadAccessGraphs } from "./access-graphs";
import { decodeCursor, encodeCursor, pageSize, type PageArgs, type PageResult } from "./pagination";

/** What is asked: holders of a permission, or of one role, on an account. */
export interface WhoCanQuestion {
  accountId: string;
  permission?: string | null;
  roleId?: string | null;
}

/** A user who can, with the roles that let it (those carrying the permission, or the role asked about) and how each is granted. */
export interface WhoCanHolder {
  id: string;
  userId: string;
  roles: GrantedRole[];
}

/**
 * Every active user holding a permission (or a role) on an account, a page at a time, each with
 * the grants behind it (SpiceDB's LookupSubjects). The organization's roles and mappings are
 * read first (a few rows) and turned into the grants that carry the permission; the store then
 * finds their holders in SQL, a page in at most two statements (DirectoryStore.accessQuestions.grantHolderPage): bindings
 * at organization or account scope on the user or on a group it is in at any depth, mapped IdP
 * role values, and the default role for users no mapping in scope matches. The page's users are
 * then resolved by the access rules themselves (one statement for all of them), which gives the
 * provenance — and `test/integration/who-can.test.ts` checks the SQL against `can` for every user.
 */
export async function whoCan(em: EntityManager, actor: Actor, question: WhoCanQuestion, args: PageArgs): Promise<PageResult<WhoCanHolder>> {
  const size = pageSize(args.first);
  const after = args.after ? decodeCursor(args.after) : null;
  const { query, grants } = await grantHolderQuery(em, actor, question);
  const store = storeOf(em).accessQuestions;
  const ids = size === 0 || query.roleIds.length === 0 ? [] : await store.grantHolderPage(em, query, { after, limit: size + 1 });
  const pageIds = ids.slice(0, size);
  const nodes: WhoCanHolder[] = [];
  if (pageIds.length > 0) {
    const graphs = await loadAccessGraphs(em, pageIds.map((userId) => ({ userId, accountId: question.accountId })));
    for (const userId of pageIds) {
      const access = resolveEffectiveAccess(graphs.subgraph({ userId, accountId: question.accountId }));
      nodes.push({ id: userId, userId, roles: access.roles.filter((granted) => grants(granted.role)) });
    }
  }
  return {
    nodes,
    hasNextPage: ids.length > size,
    hasPreviousPage: after !== null,
    cursorOf: (node) => encodeCursor(node.id),
    totalCount: () => (query.roleIds.length === 0 ? Promise.resolve(0) : store.countGrantHolders(em, query)),
  };
}

/**
 * The grants that carry the permission (or are the role) on the account, in the terms the store
 * searches by, from the organization's roles and mappings as effective access reads them
 * (access/resolve.ts): a binding or mapping counts when scoped to the organization or to this
 * account; a mapping in scope that matches a user's value keeps the default role off that user.
 */
async function grantHolderQuery(
  em: EntityManager, actor: Actor, question: WhoCanQuestion,
): Promise<{ query: GrantHolderQuery; grants: (role: { id: string }) => boolean }> {
  const byPermission = question.permission !== undefined && question.permission !== null;
  const byRole = question.roleId !== undefined && question.roleId !== null;
  if (byPermission === byRole) throw new Invalid("ask about exactly one of permission and roleId");
  if (byPermission && (question.permission as string).trim() === "") throw new Invalid("permission must not be empty");
  const account = await findVisible(em, Account, "account", question.accountId, actor);
  const organizationId = account.organization.id;
  const [organization, roles, mappings] = await Promise.all([
    em.findOneOrFail(Organization, { id: organizationId }),
    byRole ? em.find(Role, { id: question.roleId as string }) : em.find(Role, { organization: organizationId }),
    em.find(RoleMapping, { organization: organizationId }),
  ]);
  if (byRole) {
    const role = roles[0];
    if (!role) throw NotFound.entity("role", question.roleId as string);
    assertOrgVisible(actor, role.organization.id, "role", role.id);
    if (role.organization.id !== organizationId) throw new Invalid(`role ${role.id} is not in the account's organization`);
  }
  const granting = new Set(
    roles.filter((role) => byRole || role.permissions.some((granted) => permissionCovers(granted, question.permission as string))).map((role) => role.id),
  );
  const inScope = mappings.filter((mapping) => mapping.account === null || mapping.account.id === account.id);
  const defaultGrants = organization.defaultRoleId !== null && granting.has(organization.defaultRoleId);
  return {
    query: {
      organizationId,
      accountId: account.id,
      roleIds: [...granting],
      mappedKeys: [...new Set(inScope.filter((mapping) => granting.has(mapping.role.id)).map((mapping) => mapping.idpValueKey))],
      defaultRole: defaultGrants ? { unlessKeys: [...new Set(inScope.map((mapping) => mapping.idpValueKey))] } : null,
    },
    grants: (role) => granting.has(role.id),
  };
}
