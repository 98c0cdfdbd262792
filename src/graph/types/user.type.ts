import { Field, ID, Int, ObjectType } from "type-graphql";
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

@ObjectType("User", { description: "A person in one organization" })
export class UserType {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: "Unique per organization, compared case-insensitively" })
  userName!: string;

  @Field(() => String, { nullable: true, description: "The identity provider's id for this user (not unique)" })
  externalId!: string | null;

  @Field(() => Boolean, { description: "Inactive users have no effective roles" })
  active!: boolean;

  @Field(() => ManagedByEnum)
  managedBy!: ManagedByEnum;

  @Field(() => Boolean, { description: "Inactive until an admin activates it (created by an IdP while auto-activate was off, or locked when SCIM was disabled in LOCK mode); the IdP's active: true does not lift it" })
  pendingAdminActivation!: boolean;

  @Field(() => Boolean, { description: "Never visible to SCIM: no identity provider can read, change or delete this user (a break-glass account)" })
  protectedFromScim!: boolean;

  @Field(() => String, { nullable: true })
  displayName!: string | null;

  @Field(() => String, { nullable: true })
  givenName!: string | null;

  @Field(() => String, { nullable: true })
  familyName!: string | null;

  @Field(() => String, { nullable: true })
  middleName!: string | null;

  @Field(() => String, { nullable: true })
  honorificPrefix!: string | null;

  @Field(() => String, { nullable: true })
  honorificSuffix!: string | null;

  @Field(() => String, { nullable: true })
  formattedName!: string | null;

  @Field(() => String, { nullable: true })
  nickName!: string | null;

  @Field(() => String, { nullable: true })
  profileUrl!: string | null;

  @Field(() => String, { nullable: true })
  title!: string | null;

  @Field(() => String, { nullable: true })
  userType!: string | null;

  @Field(() => String, { nullable: true })
  preferredLanguage!: string | null;

  @Field(() => String, { nullable: true })
  locale!: string | null;

  @Field(() => String, { nullable: true })
  timezone!: string | null;

  @Field(() => [ContactValueType])
  emails!: ContactValueType[];

  @Field(() => [ContactValueType])
  phoneNumbers!: ContactValueType[];

  @Field(() => [BoundedJSONObject])
  addresses!: Array<Record<string, unknown>>;

  @Field(() => BoundedJSONObject, { nullable: true, description: "SCIM enterprise extension: employeeNumber, department, manager, …" })
  enterprise!: Record<string, unknown> | null;

  @Field(() => Int, { description: "Bumped on every change (the SCIM ETag)" })
  version!: number;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}

@ObjectType()
export class UserConnection extends Connection(UserType, "User") {}
