import { Field, ID, InputType } from "type-graphql";
import { USER_ATTRIBUTE_ENTRIES, type GraphInput, type UserAttributeKind, type UserAttributes } from "../../domain/ports/user-attributes";
import { BoundedJSONObject } from "../scalars/json-object";
import { ManagedByEnum } from "../types/enums";
import type { GraphTypeFunc } from "../types/user.type";

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

/**
 * Attributes shared by create and update; left-out fields are unchanged, null clears. Its fields
 * are the entries of domain/ports/user-attributes.ts with a `graphql.input`, added below;
 * graph/inputs/user-attributes.ts reads them back into domain attributes.
 */
@InputType()
export class UserAttributesInput {}

const PROTECTED_FROM_SCIM = "Hide the user from SCIM: no identity provider can read, change or delete it (for break-glass accounts)";

@InputType()
export class CreateUserInput extends UserAttributesInput {
  @Field(() => ID)
  organizationId!: string;

  /** An entry with `requiredOnCreate` (its field is added below). */
  declare userName: UserAttributes["userName"];

  @Field(() => Boolean, { nullable: true, description: PROTECTED_FROM_SCIM })
  protectedFromScim?: boolean;
}

@InputType()
export class UpdateUserInput extends UserAttributesInput {
  @Field(() => ID)
  id!: string;

  @Field(() => Boolean, { nullable: true, description: PROTECTED_FROM_SCIM })
  protectedFromScim?: boolean;
}

/** The GraphQL type of an attribute's input field, by its kind (nullable, but for a create's required ones). */
function inputType(kind: UserAttributeKind, input: GraphInput): GraphTypeFunc {
  switch (kind) {
    case "text":
    case "requiredText":
      return () => String;
    case "boolean":
      return () => Boolean;
    case "valueList":
      if (input.elements === "contactValue") return () => [ContactValueInput];
      return input.elements === "value" ? () => [String] : () => [BoundedJSONObject];
    case "object":
      return () => BoundedJSONObject;
  }
}

for (const [name, entry] of USER_ATTRIBUTE_ENTRIES) {
  const input = entry.graphql?.input;
  if (!input) continue;
  const field = input.name ?? name;
  const type = inputType(entry.kind, input);
  if (input.requiredOnCreate) {
    Field(type, { description: input.description })(CreateUserInput.prototype, field);
    Field(type, { nullable: true, description: input.description })(UpdateUserInput.prototype, field);
  } else {
    Field(type, { nullable: true, description: input.description })(UserAttributesInput.prototype, field);
  }
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
