import { Account } from "./account";
import { ApiKey } from "./api-key";
import { AuditEvent } from "./audit-event";
import { EventSequence } from "./event-sequence";
import { Group } from "./group";
import { GroupMembership } from "./group-membership";
import { Organization } from "./organization";
import { RateLimitCounter } from "./rate-limit-counter";
import { Role } from "./role";
import { RoleBinding } from "./role-binding";
import { RoleMapping } from "./role-mapping";
import { ScimToken } from "./scim-token";
import { User } from "./user";
import { WebhookDelivery } from "./webhook-delivery";
import { WebhookEndpoint } from "./webhook-endpoint";

export { Account, ApiKey, AuditEvent, EventSequence, Group, GroupMembership, Organization, RateLimitCounter, Role, RoleBinding, RoleMapping, ScimToken, User, WebhookDelivery, WebhookEndpoint };

export const ALL_ENTITIES = [
  Organization, Account, User, Group, GroupMembership, Role, RoleBinding, RoleMapping, ApiKey, ScimToken, AuditEvent, RateLimitCounter,
  EventSequence, WebhookEndpoint, WebhookDelivery,
];
