import { changeGroup, changeGroupMembers, createGroup, deleteGroup, patchGroup } from "../../domain/commands/groups";
import { readVisibleGroup } from "../../domain/lookup";
import { sameJson } from "../../domain/same-value";
import { memberListsOfGroups, type MemberList, type MemberOfGroup } from "../../domain/queries/memberships";
import { searchGroups } from "../../domain/queries/search";
import { assertIdpMayManageGroups } from "../../domain/commands/group-rules";
import { Group } from "../../domain/model";
import type { ScimContext } from "../context";
import { StreamedValues } from "../json-stream";
import { applyPatch } from "../patch/apply";
import { parsePatchRequest } from "../patch/parse";
import { memberOnlyDelta } from "../patch/member-delta";
import { project, wantsAttribute } from "../projection";
import { RESOURCE_SCHEMAS } from "../schema";
import { groupFromScim, groupToScim } from "./group-json";
import type { ScimResourceType } from "./resource-type";

/** Groups this process created without members: their response has none to read (Okta and Entra ID push members after). */
const createdEmpty = new WeakSet<Group>();

/** /Groups: SCIM requests → group commands; membership changes travel as a delta, never as a list. */
export const groupsResource: ScimResourceType<Group> = {
  schema: RESOURCE_SCHEMAS.Group,
  patchReturnsResource: false,

  async create(ctx, body) {
    const { attributes, memberIds } = groupFromScim(body);
    const group = await createGroup(ctx, { organizationId: ctx.organizationId, ...attributes, memberIds: memberIds ?? [] });
    if (!memberIds || memberIds.length === 0) createdEmpty.add(group);
    return group;
  },

  get: (ctx, id) => getGroup(ctx, id),

  search: (ctx, request) => searchGroups(ctx.em, ctx.actor, request),

  async replace(ctx, id, body, ifVersion) {
    const { attributes, memberIds } = groupFromScim(body);
    return patchGroup(ctx, { id, ifVersion, attributes, members: { replaceWith: memberIds ?? [] } });
  },

  async patch(ctx, id, body, ifVersion) {
    const operations = parsePatchRequest(body);
    // An IdP's member push (nothing but member adds and removals) needs no read of the group.
    const members = memberOnlyDelta(operations, RESOURCE_SCHEMAS.Group);
    if (members) return changeGroupMembers(ctx, { id, ifVersion, ...members });
    // Applied to the group as the write transaction reads it: parallel PATCHes never lose each other.
    return changeGroup(ctx, { id, ifVersion }, (group) => {
      // The group is rendered without members: PATCH turns member operations into a delta.
      const before = groupToScim(group, ctx.baseUrl);
      const { resource, membershipDelta: delta } = applyPatch(before, operations, RESOURCE_SCHEMAS.Group);
      const { attributes } = groupFromScim(resource);
      const attributesChanged = !sameJson(attributes, groupFromScim(before).attributes);
      return {
        attributes: attributesChanged ? attributes : undefined,
        members: {
          replaceWith: delta.replaceWith ? delta.replaceWith.map((m) => m.value) : null,
          removeAll: delta.removeAll,
          remove: delta.remove.map((m) => m.value),
          add: delta.add.map((m) => m.value),
        },
      };
    });
  },

  async remove(ctx, id, ifVersion) {
    await deleteGroup(ctx, { id, ifVersion });
  },

  async render(ctx, groups, projection, justCreated = false) {
    const noneToRead = justCreated && groups.every((group) => createdEmpty.has(group));
    const lists = wantsAttribute(projection, "members") && !noneToRead ? await memberListsOfGroups(ctx.em, ctx.actor, groups.map((g) => g.id)) : null;
    return groups.map((group, index) => project(groupToScim(group, ctx.baseUrl, lists ? membersToRender(lists[index]) : undefined), projection));
  },
};

/**
 * A member list read whole renders as an array, as it always did; a longer one (more than a
 * page: domain/queries/memberships.ts) streams, rendered and projected page by page as the
 * response is written (json-stream.ts).
 */
function membersToRender(list: MemberList): MemberOfGroup[] | StreamedValues<MemberOfGroup> {
  return list.rest ? new StreamedValues<MemberOfGroup>(list.first, list.rest) : list.first;
}

async function getGroup(ctx: ScimContext, id: string): Promise<Group> {
  await assertIdpMayManageGroups(ctx.em, ctx.organizationId);
  return readVisibleGroup(ctx.em, id, ctx.actor);
}
