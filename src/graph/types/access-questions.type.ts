import { Field, ID, ObjectType } from "type-graphql";
import type { UserAccessMap } from "../../domain/queries/where-can";
import { GrantedRoleType } from "./access.type";
import { Connection } from "./connection";

@ObjectType("AccessHolder", { description: "A user who holds the permission (or the role) on the account, with the roles that give it and how each is granted" })
export class AccessHolderType {
  @Field(() => ID)
  userId!: string;

  @Field(() => [GrantedRoleType], { description: "The user's roles on the account that carry the permission (or the role asked about), each with its grants" })
  roles!: GrantedRoleType[];
}

@ObjectType({ description: "Users who can, by user id" })
export class AccessHolderConnection extends Connection(AccessHolderType, "AccessHolder") {}

@ObjectType("AccountAccess", { description: "A user's effective roles and permissions on one account" })
export class AccountAccessType {
  @Field(() => ID)
  accountId!: string;

  @Field(() => [GrantedRoleType], { description: "whereCan: the roles carrying the permission; accessMap: every role the user has there" })
  roles!: GrantedRoleType[];

  @Field(() => [String], { description: "Union of the permissions of all the user's roles on the account, sorted" })
  permissions!: string[];
}

@ObjectType({ description: "Accounts, by id" })
export class AccountAccessConnection extends Connection(AccountAccessType, "AccountAccess") {}

@ObjectType("OrganizationWideAccess", { description: "What a user has on every account no binding or mapping of theirs names" })
export class OrganizationWideAccessType {
  @Field(() => [GrantedRoleType])
  roles!: GrantedRoleType[];

  @Field(() => [String])
  permissions!: string[];
}

@ObjectType("UserAccessMap", { description: "A user's effective access across the organization: what holds everywhere, and each account on which they have any role" })
export class UserAccessMapType {
  @Field(() => ID)
  userId!: string;

  @Field(() => OrganizationWideAccessType, {
    description: "Roles that hold on every account not listed with roles of its own (organization-wide bindings, mappings, the default role)",
  })
  everyAccount!: OrganizationWideAccessType;

  /** The domain's map, which pages `accounts`. */
  map!: UserAccessMap;
}
