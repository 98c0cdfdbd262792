import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { createApiKey, createScimToken, revokeApiKey, revokeScimToken } from "../../domain/commands/credentials";
import { listApiKeys, listScimTokens } from "../../domain/queries/directory";
import type { ApiKey, ScimToken } from "../../domain/model";
import { pagedComplexity } from "../complexity";
import type { GraphContext } from "../context";
import { CreateApiKeyInput, CreateScimTokenInput } from "../inputs/credentials.input";
import { toConnection } from "../types/connection";
import {
  ApiKeyConnection, ApiKeyType, CreatedApiKeyType, CreatedScimTokenType, ScimTokenConnection, ScimTokenType, ViewerType,
} from "../types/credentials.type";
import { OrganizationType } from "../types/organization.type";
import { PageArgsType } from "./organization.resolver";

@Resolver(() => ScimTokenType)
export class ScimTokenResolver {
  @Query(() => ScimTokenConnection, { complexity: pagedComplexity, description: "SCIM tokens of an organization (never their secrets)" })
  async scimTokens(@Arg("organizationId", () => ID) organizationId: string, @Args() page: PageArgsType, @Ctx() ctx: GraphContext) {
    return toConnection(await listScimTokens(ctx.em, ctx.actor, organizationId, page));
  }

  @FieldResolver(() => OrganizationType)
  organization(@Root() token: ScimToken, @Ctx() ctx: GraphContext) {
    return ctx.loaders.organization.load(token.organization.id);
  }

  @Mutation(() => CreatedScimTokenType, { description: "Issues a SCIM token; the secret is in this response only" })
  async createScimToken(@Arg("input") input: CreateScimTokenInput, @Ctx() ctx: GraphContext) {
    const issued = await createScimToken(ctx, input);
    return { secret: issued.secret, token: issued.credential };
  }

  @Mutation(() => ScimTokenType, { description: "Revokes a SCIM token; it stops working at once" })
  revokeScimToken(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphContext) {
    return revokeScimToken(ctx, id);
  }
}

@Resolver(() => ApiKeyType)
export class ApiKeyResolver {
  @Query(() => ViewerType, { description: "The credential making this request" })
  viewer(@Ctx() ctx: GraphContext) {
    return ctx.actor;
  }

  @Query(() => ApiKeyConnection, { complexity: pagedComplexity, description: "API keys this key may see (never their secrets)" })
  async apiKeys(@Args() page: PageArgsType, @Ctx() ctx: GraphContext) {
    return toConnection(await listApiKeys(ctx.em, ctx.actor, page));
  }

  @FieldResolver(() => OrganizationType, { nullable: true, description: "The only organization the key sees; null for global keys" })
  organization(@Root() key: ApiKey, @Ctx() ctx: GraphContext) {
    return key.organization ? ctx.loaders.organization.load(key.organization.id) : null;
  }

  @Mutation(() => CreatedApiKeyType, { description: "Issues an API key; the secret is in this response only" })
  async createApiKey(@Arg("input") input: CreateApiKeyInput, @Ctx() ctx: GraphContext) {
    const issued = await createApiKey(ctx, input);
    return { secret: issued.secret, apiKey: issued.credential };
  }

  @Mutation(() => ApiKeyType)
  revokeApiKey(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphContext) {
    return revokeApiKey(ctx, id);
  }
}
