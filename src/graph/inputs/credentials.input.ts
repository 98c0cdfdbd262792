import { Field, ID, InputType } from "type-graphql";
import { ApiKeyRoleEnum } from "../types/enums";

@InputType()
export class CreateScimTokenInput {
  @Field(() => ID)
  organizationId!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Date, { nullable: true })
  expiresAt?: Date | null;
}

@InputType()
export class CreateApiKeyInput {
  @Field(() => String)
  name!: string;

  @Field(() => ApiKeyRoleEnum)
  role!: ApiKeyRoleEnum;

  @Field(() => ID, { nullable: true, description: "Confine the key to one organization. Left out: a global key when a global admin asks, a key of its own organization when an organization's key asks" })
  organizationId?: string | null;
}

@InputType()
export class AuditEventFilterInput {
  @Field(() => ID, { nullable: true })
  targetId?: string | null;

  @Field(() => String, { nullable: true })
  type?: string | null;
}
