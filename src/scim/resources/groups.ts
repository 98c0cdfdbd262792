import { createGroup, deleteGroup, patchGroup } from "../../domain/commands/groups";
import { readVisible } from "../../domain/lookup";
import { membersOfGroups } from "../../domain/queries/memberships";
import { searchGroups } from "../../domain/queries/search";
import { assertIdpMayManageGroups } from "../../domain/commands/group-rules";
import { Group } from "../../store/entities";
import type { ScimContext } from "../context";
import { applyPatch } from "../patch/apply";
import { parsePatchRequest } from "../patch/parse";
import { project, wantsAttribute } from "../projection";
import { RESOURCE_SCHEMAS } from "../schema";
import { groupFromScim, groupToScim } from "./group-json";
import { withFreshRead } from "./read-modify-write";
import type { ScimResourceType } from "./resource-type";

/** /Groups: SCIM requests → group commands; membership changes travel as a delta, never as a list. */
export const groupsResource: ScimResourceType<Group> = {
  schema: RESOURCE_SCHEMAS.Group,
  patchReturnsResource: false,

  async create(ctx, body) {
    const { attributes, memberIds } = groupFromScim(body);
    return createGroup(ctx, { organizationId: ctx.organizationId, ...attributes, memberIds: memberIds ?? [] });
  },

  get: (ctx, id) => getGroup(ctx, id),

  search: (ctx, request) => searchGroups(ctx.em, ctx.actor, request),

  async replace(ctx, id, body, ifVersion) {
    const { attributes, memberIds } = groupFromScim(body);
    return patchGroup(ctx, { id, ifVersion, attributes, members: { replaceWith: memberIds ?? [] } });
  },

  async patch(ctx, id, body, ifVersion) {
    const operations = parsePatchRequest(body);
    return withFreshRead(ifVersion, async (expected) => {
      // The sync-groups rule is checked once, by patchGroup, inside its transaction.
      const group = await readVisible(ctx.em.fork(), Group, "group", id, ctx.actor);
      // The group is rendered without members: PATCH turns member operations into a delta.
      const before = groupToScim(group, ctx.baseUrl);
      const { resource, membershipDelta: delta } = applyPatch(before, operations, RESOURCE_SCHEMAS.Group);
      const { attributes } = groupFromScim(resource);
      // Member changes are row inserts and deletes that commute, so they need no version check;
      // only a change of the group's own attributes is a read-modify-write to guard.
      const attributesChanged = JSON.stringify(attributes) !== JSON.stringify(groupFromScim(before).attributes);
      return patchGroup(ctx, {
        id,
        ifVersion: attributesChanged ? expected(group.version) : ifVersion,
        attributes: attributesChanged ? attributes : undefined,
        members: {
          replaceWith: delta.replaceWith ? delta.replaceWith.map((m) => m.value) : null,
          removeAll: delta.removeAll,
          remove: delta.remove.map((m) => m.value),
          add: delta.add.map((m) => m.value),
        },
      });
    });
  },

  async remove(ctx, id, ifVersion) {
    await deleteGroup(ctx, { id, ifVersion });
  },

  async render(ctx, groups, projection) {
    const members = wantsAttribute(projection, "members") ? await membersOfGroups(ctx.em, groups.map((g) => g.id)) : null;
    return groups.map((group) => project(groupToScim(group, ctx.baseUrl, members?.get(group.id) ?? undefined), projection));
  },
};

async function getGroup(ctx: ScimContext, id: string): Promise<Group> {
  await assertIdpMayManageGroups(ctx.em, ctx.organizationId);
  return readVisible(ctx.em, Group, "group", id, ctx.actor);
}
