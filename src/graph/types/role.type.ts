import { Field, ID, ObjectType } from "type-graphql";
import { Connection } from "./connection";

@ObjectType("Role", { description: "A named set of permissions, defined per organization" })
export class RoleType {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: "Stable identifier apps may refer to" })
  key!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => [String])
  permissions!: string[];

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType()
export class RoleConnection extends Connection(RoleType, "Role") {}

@ObjectType("RoleBinding", { description: "A role granted to a user or group, for the organization or one account" })
export class RoleBindingType {
  @Field(() => ID)
  id!: string;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType()
export class RoleBindingConnection extends Connection(RoleBindingType, "RoleBinding") {}

@ObjectType("RoleMapping", { description: "An IdP role value (matched case-insensitively) mapped to a role" })
export class RoleMappingType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  idpValue!: string;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType()
export class RoleMappingConnection extends Connection(RoleMappingType, "RoleMapping") {}
