import { User } from "../../store/entities";
import type { AccountAccessChange } from "../../access/access-map";
import type { CommandContext } from "../command";
import { addGroupMember, removeGroupMember } from "../commands/group-members";
import { updateOrganizationSettings, type OrganizationSettingsInput } from "../commands/organizations";
import { bindRole, deleteRoleMapping, setRoleMapping, unbindRole, type BindRoleInput } from "../commands/roles";
import { updateUser, type UpdateUserInput } from "../commands/users";
import { captureAccessChanges, type UserAccessChange } from "../events/access-changes";
import { findVisible } from "../lookup";
import { assertCanWrite } from "../tenancy";
import { decodeCursor, encodeCursor, pageSize, type PageArgs, type PageResult } from "./pagination";

/**
 * A change whatIf can preview: the command that makes it, and the input its mutation gives it.
 * The dry run calls that very command, so the preview obeys every rule the change would.
 */
export type PreviewedChange =
  | { command: "addGroupMember" | "removeGroupMember"; input: { groupId: string; userId?: string | null; memberGroupId?: string | null } }
  | { command: "bindRole"; input: BindRoleInput }
  | { command: "unbindRole"; bindingId: string }
  | { command: "setRoleMapping"; input: { organizationId: string; idpValue: string; roleId: string; accountId?: string | null } }
  | { command: "deleteRoleMapping"; mappingId: string }
  | { command: "updateOrganizationSettings"; input: OrganizationSettingsInput }
  | { command: "updateUser"; input: UpdateUserInput };

/** One user's access as the change would alter it: roles gained and lost per account (access/access-map.ts). */
export interface PreviewedAccessChange {
  userId: string;
  accounts: AccountAccessChange[];
}

export interface WhatIfAnswer {
  /** Users whose effective access the change alters (with `userId`: 0 or 1). */
  affectedUsers: number;
  /** Their changes, by user id. */
  changes: PageResult<PreviewedAccessChange>;
}

/**
 * What a change would do to effective access, before it is made: the real command runs in a
 * transaction that is then rolled back, and the `access.changed` events it records
 * (events/access-changes.ts) are the answer — the same code that tells apps what a change did
 * tells admins what it would do, with no second copy of the rules. Nothing survives: the
 * memberships, bindings, audit and access events the command wrote go with the rollback, and an
 * event never committed gets no feed position and no webhook delivery. The command's own errors
 * (a cycle, an unknown id, another organization's id) are the answer's, as the mutation gives
 * them; previewing a change needs the right to make it.
 */
export async function whatIf(
  ctx: CommandContext, change: PreviewedChange, options: PageArgs & { userId?: string | null },
): Promise<WhatIfAnswer> {
  assertCanWrite(ctx.actor);
  const size = pageSize(options.first);
  const after = options.after ? decodeCursor(options.after) : null;
  if (options.userId) await findVisible(ctx.em, User, "user", options.userId, ctx.actor);
  let changes = await dryRun(ctx, change);
  if (options.userId) changes = changes.filter((c) => c.userId === options.userId);
  const rest = after === null ? changes : changes.filter((c) => c.userId > after);
  return {
    affectedUsers: changes.length,
    changes: {
      nodes: rest.slice(0, size),
      hasNextPage: rest.length > size,
      hasPreviousPage: after !== null,
      cursorOf: (node) => encodeCursor(node.userId),
      totalCount: async () => changes.length,
    },
  };
}

/** Thrown to roll the dry run's transaction back once its changes are read. */
class DryRunRollback extends Error {}

/**
 * Runs the change's command inside a transaction of its own, which it joins as a savepoint
 * (MikroORM nests `transactional`), reads the access changes it records, and rolls everything
 * back. The transaction is a fork's: the request's EntityManager never holds the changed
 * entities. The command gets no rate limits: a preview spends none of the organization's budget.
 */
async function dryRun(ctx: CommandContext, change: PreviewedChange): Promise<PreviewedAccessChange[]> {
  const captured = new Map<string, UserAccessChange>();
  // Closed once the command returns: work it scheduled (the dispatcher its commit signal woke)
  // runs in its asynchronous context, and must add nothing to the answer.
  let capturing = true;
  const sink = (c: UserAccessChange) => {
    if (capturing) captured.set(c.userId, c);
  };
  try {
    await ctx.em.fork().transactional(async (em) => {
      await captureAccessChanges(sink, () => runCommandOf({ em, actor: ctx.actor }, change));
      capturing = false;
      throw new DryRunRollback();
    });
  } catch (error) {
    if (!(error instanceof DryRunRollback)) throw error;
  } finally {
    capturing = false;
  }
  return [...captured.values()]
    .map(({ userId, accounts }) => ({ userId, accounts }))
    .sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
}

/** The change's command, called as its mutation calls it. */
function runCommandOf(ctx: CommandContext, change: PreviewedChange): Promise<unknown> {
  switch (change.command) {
    case "addGroupMember":
      return addGroupMember(ctx, change.input);
    case "removeGroupMember":
      return removeGroupMember(ctx, change.input);
    case "bindRole":
      return bindRole(ctx, change.input);
    case "unbindRole":
      return unbindRole(ctx, change.bindingId);
    case "setRoleMapping":
      return setRoleMapping(ctx, change.input);
    case "deleteRoleMapping":
      return deleteRoleMapping(ctx, change.mappingId);
    case "updateOrganizationSettings":
      return updateOrganizationSettings(ctx, change.input);
    case "updateUser":
      return updateUser(ctx, change.input);
  }
}
