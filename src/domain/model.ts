/**
 * The directory's model as the surfaces (graph/, scim/) see it: the entity classes MikroORM maps,
 * re-exported so GraphQL types and SCIM renderers name them without reaching into store/.
 */
export {
  Account, ApiKey, AuditEvent, Group, GroupMembership, Organization, Role, RoleBinding, RoleMapping, ScimToken, User, WebhookDelivery,
  WebhookEndpoint,
} from "../store/entities";
export type { MultiValue, ManagedBy } from "../store/entities/user";
export type { ApiKeyRole } from "../store/entities/api-key";
export type { DeprovisionMode, ScimDisableMode } from "../store/entities/organization";
export type { UserRecord, UserView, GroupOfUser, MemberOfGroup } from "./ports/records";
