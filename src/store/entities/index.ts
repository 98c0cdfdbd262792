import { Account } from "./account";
import { ApiKey } from "./api-key";
import { AuditEvent } from "./audit-event";
import { Group } from "./group";
import { GroupMembership } from "./group-membership";
import { Organization } from "./organization";
import { RateLimitCounter } from "./rate-limit-counter";
import { Role } from "./role";
import { RoleBinding } from "./role-binding";
import { RoleMapping } from "./role-mapping";
import { ScimToken } from "./scim-token";
import { User } from "./user";

export { Account, ApiKey, AuditEvent, Group, GroupMembership, Organization, RateLimitCounter, Role, RoleBinding, RoleMapping, ScimToken, User };

export const ALL_ENTITIES = [
  Organization, Account, User, Group, GroupMembership, Role, RoleBinding, RoleMapping, ApiKey, ScimToken, AuditEvent, RateLimitCounter,
];
