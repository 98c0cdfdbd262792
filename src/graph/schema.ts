import type { GraphQLSchema } from "graphql";
import { buildSchema, type BuildSchemaOptions } from "type-graphql";
import { AccessResolver, GrantedRoleResolver, GrantResolver } from "./resolvers/access.resolver";
import { AccessHolderResolver, AccessQuestionsResolver, AccountAccessResolver, UserAccessMapResolver } from "./resolvers/access-questions.resolver";
import { AuditResolver } from "./resolvers/audit.resolver";
import { ApiKeyResolver, ScimTokenResolver } from "./resolvers/credentials.resolver";
import { GroupMembershipResolver, GroupResolver } from "./resolvers/group.resolver";
import { AccountResolver, OrganizationResolver } from "./resolvers/organization.resolver";
import { RoleBindingResolver, RoleMappingResolver, RoleResolver } from "./resolvers/role.resolver";
import { UserResolver } from "./resolvers/user.resolver";
import { EventResolver } from "./resolvers/event.resolver";
import { WebhookDeliveryResolver, WebhookEndpointResolver } from "./resolvers/webhook.resolver";
import { WhyNotResolver } from "./resolvers/why-not.resolver";
import { AccountAccessChangeResolver, UserAccessChangeResolver, WhatIfResolver } from "./resolvers/what-if.resolver";

const RESOLVERS: BuildSchemaOptions["resolvers"] = [
  OrganizationResolver, AccountResolver, UserResolver, GroupResolver, GroupMembershipResolver,
  RoleResolver, RoleBindingResolver, RoleMappingResolver, AccessResolver, GrantedRoleResolver, GrantResolver,
  ScimTokenResolver, ApiKeyResolver, AuditResolver, EventResolver, WebhookEndpointResolver, WebhookDeliveryResolver,
  WhyNotResolver,
  AccessQuestionsResolver, AccessHolderResolver, AccountAccessResolver, UserAccessMapResolver,
  WhatIfResolver, UserAccessChangeResolver, AccountAccessChangeResolver,
];

/**
 * type-graphql asks for a PubSub as soon as the schema has a subscription, even when every
 * subscription brings its own event source (`subscribe`, as directoryEvents reads the event feed):
 * none publishes to or subscribes by topic, and one that tried would be a bug.
 */
const NO_TOPICS: BuildSchemaOptions["pubSub"] = {
  publish: () => {
    throw new Error("idgraph's subscriptions read the event feed; nothing publishes to topics");
  },
  subscribe: () => {
    throw new Error("idgraph's subscriptions read the event feed; none subscribes by topic");
  },
};

/** The GraphQL schema, built from the type-graphql resolvers; schema/schema.graphql is its printed form. */
export async function buildGraphSchema(): Promise<GraphQLSchema> {
  return buildSchema({ resolvers: RESOLVERS, validate: false, pubSub: NO_TOPICS });
}
