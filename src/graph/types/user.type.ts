import { Field, ID, Int, ObjectType } from "type-graphql";
import { USER_ATTRIBUTE_ENTRIES, type GraphOutput, type UserAttributeKind } from "../../domain/ports/user-attributes";
import { BoundedJSONObject } from "../scalars/json-object";
import { Connection } from "./connection";
import { ManagedByEnum } from "./enums";

@ObjectType("ContactValue", { description: "One e-mail address or phone number (a SCIM multi-valued attribute)" })
export class ContactValueType {
  @Field(() => String, { nullable: true })
  value!: string | null;

  @Field(() => String, { nullable: true, description: "work, home, mobile, other, …" })
  type!: string | null;

  @Field(() => Boolean, { nullable: true })
  primary!: boolean | null;

  @Field(() => String, { nullable: true })
  display!: string | null;
}

/**
 * A user as GraphQL shows it. Resolvers return the User entity (or a UserRecord): fields read its
 * properties. The attributes a client sets are fields only where their entry in
 * domain/ports/user-attributes.ts has a `graphql.output`: they are added below the class.
 */
@ObjectType("User", { description: "A person in one organization" })
export class UserType {
  @Field(() => ID)
  id!: string;

  @Field(() => ManagedByEnum)
  managedBy!: ManagedByEnum;

  @Field(() => Boolean, { description: "Inactive until an admin activates it (created by an IdP while auto-activate was off, or locked when SCIM was disabled in LOCK mode); the IdP's active: true does not lift it" })
  pendingAdminActivation!: boolean;

  @Field(() => Boolean, { description: "Never visible to SCIM: no identity provider can read, change or delete this user (a break-glass account)" })
  protectedFromScim!: boolean;

  @Field(() => Int, { description: "Bumped on every change (the SCIM ETag)" })
  version!: number;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}

/** What `@Field` takes as its type: `() => String`, `() => [ContactValueType]`. */
export type GraphTypeFunc = NonNullable<Parameters<typeof Field>[0]>;

/** The GraphQL type of an attribute's output field, by its kind; nullable where the kind allows nothing. */
function outputField(kind: UserAttributeKind, output: GraphOutput): { type: GraphTypeFunc; nullable: boolean } {
  switch (kind) {
    case "text": return { type: () => String, nullable: true };
    case "requiredText": return { type: () => String, nullable: false };
    case "boolean": return { type: () => Boolean, nullable: false };
    case "valueList": return { type: () => [output.elements === "contactValue" ? ContactValueType : BoundedJSONObject], nullable: false };
    case "object": return { type: () => BoundedJSONObject, nullable: true };
  }
}

for (const [name, entry] of USER_ATTRIBUTE_ENTRIES) {
  const output = entry.graphql?.output;
  if (!output) continue;
  const { type, nullable } = outputField(entry.kind, output);
  Field(type, { nullable, description: output.description })(UserType.prototype, name);
}

@ObjectType()
export class UserConnection extends Connection(UserType, "User") {}
