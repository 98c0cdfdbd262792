import { Field, ID, InputType } from "type-graphql";
import { BoundedJSONObject } from "../scalars/json-object";
import { ManagedByEnum } from "../types/enums";

@InputType()
export class ContactValueInput {
  @Field(() => String)
  value!: string;

  @Field(() => String, { nullable: true })
  type?: string | null;

  @Field(() => Boolean, { nullable: true })
  primary?: boolean | null;

  @Field(() => String, { nullable: true })
  display?: string | null;
}

/** Attributes shared by create and update; left-out fields are unchanged, null clears. */
@InputType()
export class UserAttributesInput {
  @Field(() => String, { nullable: true })
  externalId?: string | null;

  @Field(() => Boolean, { nullable: true })
  active?: boolean;

  @Field(() => String, { nullable: true })
  displayName?: string | null;

  @Field(() => String, { nullable: true })
  givenName?: string | null;

  @Field(() => String, { nullable: true })
  familyName?: string | null;

  @Field(() => String, { nullable: true })
  middleName?: string | null;

  @Field(() => String, { nullable: true })
  honorificPrefix?: string | null;

  @Field(() => String, { nullable: true })
  honorificSuffix?: string | null;

  @Field(() => String, { nullable: true })
  nickName?: string | null;

  @Field(() => String, { nullable: true })
  title?: string | null;

  @Field(() => String, { nullable: true })
  userType?: string | null;

  @Field(() => String, { nullable: true })
  preferredLanguage?: string | null;

  @Field(() => String, { nullable: true })
  locale?: string | null;

  @Field(() => String, { nullable: true })
  timezone?: string | null;

  @Field(() => [ContactValueInput], { nullable: true })
  emails?: ContactValueInput[] | null;

  @Field(() => [ContactValueInput], { nullable: true })
  phoneNumbers?: ContactValueInput[] | null;

  @Field(() => [String], { nullable: true, description: "IdP role values, matched against the organization's role mappings" })
  idpRoleValues?: string[] | null;

  @Field(() => BoundedJSONObject, { nullable: true, description: "SCIM enterprise extension attributes" })
  enterprise?: Record<string, unknown> | null;
}

const PROTECTED_FROM_SCIM = "Hide the user from SCIM: no identity provider can read, change or delete it (for break-glass accounts)";

@InputType()
export class CreateUserInput extends UserAttributesInput {
  @Field(() => ID)
  organizationId!: string;

  @Field(() => String)
  userName!: string;

  @Field(() => Boolean, { nullable: true, description: PROTECTED_FROM_SCIM })
  protectedFromScim?: boolean;
}

@InputType()
export class UpdateUserInput extends UserAttributesInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  userName?: string;

  @Field(() => Boolean, { nullable: true, description: PROTECTED_FROM_SCIM })
  protectedFromScim?: boolean;
}

@InputType()
export class UserFilterInput {
  @Field(() => String, { nullable: true, description: "Exact match, case-insensitive" })
  userName?: string | null;

  @Field(() => String, { nullable: true })
  externalId?: string | null;

  @Field(() => Boolean, { nullable: true })
  active?: boolean | null;

  @Field(() => ManagedByEnum, { nullable: true })
  managedBy?: ManagedByEnum | null;
}
