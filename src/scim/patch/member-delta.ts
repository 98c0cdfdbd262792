import type { ResourceSchema } from "../schema";
import { applyPatch } from "./apply";
import { resolveTarget } from "./path";
import type { PatchOperation } from "./types";

/**
 * The members a Group PATCH adds and removes, when that is all it does: every operation adds to
 * or removes from `members` (Okta's and Entra ID's pushes: `add` with `path: "members"`, `remove`
 * with `members[value eq "…"]` or a value list). Such a PATCH does not depend on the group's
 * current state, so it can be applied without reading the group first (domain changeGroupMembers,
 * group-committed). Null for anything else — a replace, a removal of every member, another
 * attribute, an operation in error — which is applied to the group as read (changeGroup), where
 * errors are reported in their usual order.
 */
export function memberOnlyDelta(operations: PatchOperation[], resourceType: ResourceSchema): { add: string[]; remove: string[] } | null {
  if (resourceType.name !== "Group" || operations.length === 0) return null;
  try {
    const onMembers = operations.every((operation) =>
      operation.op !== "replace" && operation.path !== null && resolveTarget(resourceType, {}, operation.path, false).kind === "members");
    if (!onMembers) return null;
    const { membershipDelta: delta } = applyPatch({}, operations, resourceType);
    if (delta.removeAll || delta.replaceWith) return null;
    return { add: delta.add.map((member) => member.value), remove: delta.remove.map((member) => member.value) };
  } catch {
    return null;
  }
}
