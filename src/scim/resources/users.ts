import { changeUser, createUser, deleteUser, updateUser } from "../../domain/commands/users";
import { readVisibleUser } from "../../domain/lookup";
import { groupsOfUsers } from "../../domain/queries/memberships";
import { searchUsers } from "../../domain/queries/search";
import type { UserView } from "../../domain/model";
import { applyPatch } from "../patch/apply";
import { parsePatchRequest } from "../patch/parse";
import { project, wantsAttribute } from "../projection";
import { RESOURCE_SCHEMAS } from "../schema";
import { userAttributesFromScim, userToScim } from "./user-json";
import { assertOnePrimaryEach } from "./values";
import type { ScimResourceType } from "./resource-type";

/** /Users: SCIM requests → user commands and queries of the domain. */
export const usersResource: ScimResourceType<UserView> = {
  schema: RESOURCE_SCHEMAS.User,
  patchReturnsResource: true,

  create: (ctx, body) => {
    assertOnePrimaryEach(body);
    return createUser(ctx, { organizationId: ctx.organizationId, ...userAttributesFromScim(body, "active") });
  },

  get: (ctx, id, projection) => readVisibleUser(ctx.em, id, ctx.actor, { withGroups: wantsAttribute(projection, "groups") }),

  search: (ctx, request, projection) => searchUsers(ctx.em, ctx.actor, request, { withGroups: wantsAttribute(projection, "groups") }),

  replace: (ctx, id, body, ifVersion) => {
    assertOnePrimaryEach(body);
    return updateUser(ctx, { id, ifVersion, ...userAttributesFromScim(body, "inactive") });
  },

  async patch(ctx, id, body, ifVersion) {
    const operations = parsePatchRequest(body);
    // Applied to the user as the write transaction reads it: parallel PATCHes never lose each other.
    return changeUser(ctx, { id, ifVersion }, (user) => userAttributesFromScim(applyPatch(userToScim(user, ctx.baseUrl), operations, RESOURCE_SCHEMAS.User).resource, "inactive"));
  },

  async remove(ctx, id, ifVersion) {
    await deleteUser(ctx, { id, ifVersion });
  },

  async render(ctx, users, projection, justCreated = false) {
    // Reads that knew the projection brought each user's groups along; the rest load them here.
    const unread = wantsAttribute(projection, "groups") && !justCreated ? users.filter((u) => !u.groups).map((u) => u.id) : [];
    const loaded = unread.length > 0 ? await groupsOfUsers(ctx.em, unread) : null;
    const groupsOf = (user: UserView) => (justCreated ? [] : user.groups ?? loaded?.get(user.id));
    return users.map((user) => project(userToScim(user, ctx.baseUrl, groupsOf(user)), projection));
  },
};
