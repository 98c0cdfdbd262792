import type { GraphQLSchema } from "graphql";
import { buildSchema, type BuildSchemaOptions } from "type-graphql";
import { AccessResolver, GrantedRoleResolver, GrantResolver } from "./resolvers/access.resolver";
import { AuditResolver } from "./resolvers/audit.resolver";
import { ApiKeyResolver, ScimTokenResolver } from "./resolvers/credentials.resolver";
import { GroupMembershipResolver, GroupResolver } from "./resolvers/group.resolver";
import { AccountResolver, OrganizationResolver } from "./resolvers/organization.resolver";
import { RoleBindingResolver, RoleMappingResolver, RoleResolver } from "./resolvers/role.resolver";
import { UserResolver } from "./resolvers/user.resolver";
import { EventResolver } from "./resolvers/event.resolver";
import { WebhookDeliveryResolver, WebhookEndpointResolver } from "./resolvers/webhook.resolver";

const RESOLVERS: BuildSchemaOptions["resolvers"] = [
  OrganizationResolver, AccountResolver, UserResolver, GroupResolver, GroupMembershipResolver,
  RoleResolver, RoleBindingResolver, RoleMappingResolver, AccessResolver, GrantedRoleResolver, GrantResolver,
  ScimTokenResolver, ApiKeyResolver, AuditResolver, EventResolver, WebhookEndpointResolver, WebhookDeliveryResolver,
];

/** The GraphQL schema, built from the type-graphql resolvers; schema/schema.graphql is its printed form. */
export async function buildGraphSchema(): Promise<GraphQLSchema> {
  return buildSchema({ resolvers: RESOLVERS, validate: false });
}
