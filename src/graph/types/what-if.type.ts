import { Field, Int, ObjectType } from "type-graphql";
import { Connection } from "./connection";
import { AccountType } from "./organization.type";
import { RoleType } from "./role.type";
import { UserType } from "./user.type";

/**
 * Roles gained and lost on one account, as an `access.changed` event lists them (README "Events
 * and webhooks"). The ids are what the resolver reads; the objects are loaded per request.
 */
@ObjectType("AccountAccessChange", { description: "Roles a user gains and loses on one account" })
export class AccountAccessChangeType {
  accountId!: string | null;
  gainedRoleIds!: string[];
  lostRoleIds!: string[];

  @Field(() => AccountType, { nullable: true, description: "The account; null: every account of the organization not listed" })
  account!: AccountType | null;

  @Field(() => [RoleType])
  gained!: RoleType[];

  @Field(() => [RoleType])
  lost!: RoleType[];
}

@ObjectType("UserAccessChange", { description: "How one user's effective access changes, account by account" })
export class UserAccessChangeType {
  userId!: string;

  @Field(() => UserType)
  user!: UserType;

  @Field(() => [AccountAccessChangeType], {
    description: "First the change on every account not listed (account null), if any; then each account whose change differs, by id",
  })
  accounts!: AccountAccessChangeType[];
}

@ObjectType()
export class UserAccessChangeConnection extends Connection(UserAccessChangeType, "UserAccessChange") {}

@ObjectType("WhatIfResult", { description: "What a change would do to effective access; nothing of it is written" })
export class WhatIfResultType {
  @Field(() => Int, { description: "Users whose effective access the change alters (0 or 1 when a userId is given)" })
  affectedUsers!: number;

  @Field(() => UserAccessChangeConnection, { description: "Their changes, by user id; the page is the whatIf field's first/after" })
  changes!: UserAccessChangeConnection;
}
