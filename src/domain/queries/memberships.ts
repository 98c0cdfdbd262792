import type { EntityManager } from "@mikro-orm/core";
import type { GroupOfUser, MemberOfGroup, MemberPageRequest, MemberRow } from "../ports/records";
import { storeOf } from "../ports/store";

/**
 * Membership views for rendering and GraphQL's loaders: a user's groups (direct and through
 * nesting), a group's members and member pages, for many users or groups in one query each.
 * Callers pass ids they already may see.
 */
export type { GroupOfUser, MemberOfGroup, MemberPageRequest, MemberRow };

export const groupsOfUsers = (em: EntityManager, userIds: string[]) => storeOf(em).groupsOfUsers(em, userIds);
export const membersOfGroups = (em: EntityManager, groupIds: string[]) => storeOf(em).membersOfGroups(em, groupIds);
export const directGroupIdsOfUsers = (em: EntityManager, userIds: string[]) => storeOf(em).directGroupIdsOfUsers(em, userIds);
export const transitiveGroupIdsOfUsers = (em: EntityManager, userIds: string[]) => storeOf(em).transitiveGroupIdsOfUsers(em, userIds);
export const parentGroupIdsOfGroups = (em: EntityManager, groupIds: string[]) => storeOf(em).parentGroupIdsOfGroups(em, groupIds);
export const memberCountsOfGroups = (em: EntityManager, groupIds: string[]) => storeOf(em).memberCountsOfGroups(em, groupIds);
export const memberPagesOfGroups = (em: EntityManager, requests: MemberPageRequest[]) => storeOf(em).memberPagesOfGroups(em, requests);
