import { Field, ID, ObjectType } from "type-graphql";
import { Connection } from "./connection";
import { ApiKeyRoleEnum } from "./enums";

@ObjectType("ScimToken", { description: "A SCIM bearer token of an organization; the secret is never shown again" })
export class ScimTokenType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  expiresAt!: Date | null;

  @Field(() => Date, { nullable: true })
  lastUsedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;
}

@ObjectType()
export class ScimTokenConnection extends Connection(ScimTokenType, "ScimToken") {}

@ObjectType("CreatedScimToken", { description: "A new SCIM token and its secret: copy the secret now, it is shown once" })
export class CreatedScimTokenType {
  @Field(() => String)
  secret!: string;

  @Field(() => ScimTokenType)
  token!: ScimTokenType;
}

@ObjectType("ApiKey", { description: "A GraphQL API key; the secret is never shown again" })
export class ApiKeyType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => ApiKeyRoleEnum)
  role!: ApiKeyRoleEnum;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  lastUsedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;
}

@ObjectType()
export class ApiKeyConnection extends Connection(ApiKeyType, "ApiKey") {}

@ObjectType("CreatedApiKey", { description: "A new API key and its secret: copy the secret now, it is shown once" })
export class CreatedApiKeyType {
  @Field(() => String)
  secret!: string;

  @Field(() => ApiKeyType)
  apiKey!: ApiKeyType;
}

@ObjectType("Viewer", { description: "The credential making this request" })
export class ViewerType {
  @Field(() => String)
  kind!: string;

  @Field(() => ID, { nullable: true })
  id!: string | null;

  @Field(() => ID, { nullable: true, description: "The only organization this credential sees; null for global credentials" })
  organizationId!: string | null;

  @Field(() => Boolean)
  canWrite!: boolean;
}
