import type { User } from "../../store/entities";

/**
 * Plain records the store reads for answers (not for changes): what the domain and the surfaces
 * render from. Managed entities are for commands; these skip the identity map and change tracking
 * on the hottest reads (an IdP's `userName eq` lookup, GET /Users/{id}, authentication).
 */

/** A group a user is in. */
export interface GroupOfUser {
  id: string;
  displayName: string;
  /** false: the user is in it through a nested group. */
  direct: boolean;
}

/** What an answer about a user needs: a managed User entity is one too, a UserRecord more so. */
export type UserView = Omit<User, "organization"> & {
  /** Every group the user is in (direct and through nesting), when the read asked for them. */
  groups?: GroupOfUser[];
};

/** A user as read for an answer: the entity's fields as a plain object. */
export type UserRecord = UserView & { organizationId: string };

/** A direct member of a group, with the name it is shown by. */
export interface MemberOfGroup {
  id: string;
  type: "User" | "Group";
  display: string;
}

/** A direct member as a group's member list shows it, with its membership: where the next page starts. */
export interface ListedMember extends MemberOfGroup {
  membershipId: string;
  /** A user protected from SCIM: an identity provider's view of the list leaves it out. */
  protectedFromScim: boolean;
}

/** Members to add to or remove from one group, by id. */
export interface MemberIds {
  userIds: string[];
  groupIds: string[];
}

/** What a membership change needs to know of an id it names: what it is, whose it is, and whether an IdP may see it. */
export interface MemberFacts {
  kind: "user" | "group";
  organizationId: string;
  protectedFromScim: boolean;
}

/** One membership row: a user or a group in a group. */
export interface MembershipRow {
  groupId: string;
  memberId: string;
  kind: "user" | "group";
}

/** One membership row of a group's member page. */
export interface MemberRow {
  membershipId: string;
  groupId: string;
  userId: string | null;
  memberGroupId: string | null;
}

export interface MemberPageRequest {
  groupId: string;
  /** Membership id to start after (keyset), or null for the first page. */
  afterId: string | null;
  limit: number;
}

/** The rows authentication needs. */
export interface CredentialRecord {
  id: string;
  secretHash: string;
  organizationId: string | null;
  revokedAt: Date | null;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
}

export interface ApiKeyRecord extends CredentialRecord {
  role: "ADMIN" | "READER";
}

export interface ScimTokenRecord extends CredentialRecord {
  organizationId: string;
  scimEnabled: boolean;
}

/**
 * The facts effective access is resolved from, for a batch of (user, account) pairs: rows, with
 * no rule applied (the domain assembles them into access/ subgraphs).
 */
export interface AccessFacts {
  users: Array<{ id: string; organizationId: string; active: boolean; roles: unknown; defaultRoleId: string | null }>;
  accounts: Array<{ id: string; organizationId: string }>;
  /** Membership edges reachable from the users: a user in a group, or a group in a group. */
  edges: Array<{ groupId: string; memberUserId: string | null; memberGroupId: string | null }>;
  bindings: Array<{ id: string; subjectUserId: string | null; subjectGroupId: string | null; accountId: string | null; roleId: string }>;
  mappings: Array<{ id: string; organizationId: string; idpValue: string; accountId: string | null; roleId: string }>;
  roles: Array<{ id: string; key: string; name: string; permissions: string[] }>;
}

/** A user as an export lists it: who it is, nothing more. */
export interface UserIdentity {
  id: string;
  userName: string;
}
