/**
 * Membership views for rendering: a user's groups (direct and through nesting) and a group's
 * members, for many users or groups in one query. Callers pass ids they already may see.
 */
export { groupsOfUsers, membersOfGroups, type GroupOfUser, type MemberOfGroup } from "../../store/memberships";
