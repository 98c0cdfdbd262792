import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { GrantedRoleType } from "./access.type";
import { RoleType } from "./role.type";

/** The kinds of access/why-not.ts (WHY_NOT_KINDS), in the order an answer lists them. */
export enum WhyNotOptionKindEnum {
  INACTIVE = "INACTIVE",
  BOUND_ON_OTHER_ACCOUNT = "BOUND_ON_OTHER_ACCOUNT",
  JOIN_GROUP = "JOIN_GROUP",
  IDP_ROLE_VALUE = "IDP_ROLE_VALUE",
  DEFAULT_ROLE_SUPPRESSED = "DEFAULT_ROLE_SUPPRESSED",
  BIND_USER = "BIND_USER",
}

registerEnumType(WhyNotOptionKindEnum, {
  name: "WhyNotOptionKind",
  description: "A way a denied permission would be granted",
  valuesConfig: {
    INACTIVE: { description: "The user is inactive: reactivating it would grant the role" },
    BOUND_ON_OTHER_ACCOUNT: { description: "The user holds the role through a binding scoped to another account (accountId)" },
    JOIN_GROUP: { description: "The role is bound to a group the user is not in (groupId, bindingId): join it or any group nested in it" },
    IDP_ROLE_VALUE: { description: "A mapping (mappingIds) maps an IdP role value the user lacks (idpValue) to the role: the IdP would have to send it" },
    DEFAULT_ROLE_SUPPRESSED: { description: "The default role carries the permission, but the mappings in mappingIds matched the user, which keeps it off" },
    BIND_USER: { description: "Bind the role to the user on this account: always possible" },
  },
});

@ObjectType("WhyNotOption", { description: "One concrete way the permission would be granted, with the ids to act on" })
export class WhyNotOptionType {
  @Field(() => WhyNotOptionKindEnum)
  kind!: WhyNotOptionKindEnum;

  @Field(() => String, { description: "What to do, in one sentence" })
  description!: string;

  @Field(() => ID, { description: "The role carrying the permission that this way grants" })
  roleId!: string;

  @Field(() => ID, { nullable: true, description: "JOIN_GROUP: the bound group; BOUND_ON_OTHER_ACCOUNT through a group: the group the binding is on" })
  groupId!: string | null;

  @Field(() => ID, { nullable: true, description: "JOIN_GROUP, BOUND_ON_OTHER_ACCOUNT: the binding" })
  bindingId!: string | null;

  @Field(() => [ID], { description: "IDP_ROLE_VALUE: the mapping; DEFAULT_ROLE_SUPPRESSED: every mapping in scope that matched the user" })
  mappingIds!: string[];

  @Field(() => ID, {
    nullable: true,
    description: "JOIN_GROUP, IDP_ROLE_VALUE: the binding's or mapping's account (null: the whole organization); BIND_USER: this account; BOUND_ON_OTHER_ACCOUNT: the other account",
  })
  accountId!: string | null;

  @Field(() => String, { nullable: true, description: "IDP_ROLE_VALUE: the value the IdP would have to send, as the mapping spells it" })
  idpValue!: string | null;

  @Field(() => Boolean, { description: "Whether the user would also have to be reactivated (it is inactive, and reactivating alone does not grant the permission)" })
  needsReactivation!: boolean;
}

@ObjectType("WhyNot", { description: "Whether a user may do something on an account, and if not, what would grant it" })
export class WhyNotType {
  @Field(() => ID)
  userId!: string;

  @Field(() => ID)
  accountId!: string;

  @Field(() => String)
  permission!: string;

  @Field(() => Boolean, { description: "Exactly what `can` answers" })
  allowed!: boolean;

  @Field(() => Boolean, { description: "An inactive user has no roles at all" })
  userActive!: boolean;

  @Field(() => String, { description: "The answer in one sentence" })
  summary!: string;

  @Field(() => [GrantedRoleType], { description: "When allowed: the user's roles on the account that carry the permission, with their grants" })
  grantedBy!: GrantedRoleType[];

  @Field(() => [RoleType], { description: "The organization's roles that carry the permission (`area.*` and `*` count), by key; none: a role must be created or edited" })
  rolesWithPermission!: RoleType[];

  @Field(() => [WhyNotOptionType], { description: "Empty when allowed; otherwise each way the permission would be granted, by kind then ids" })
  options!: WhyNotOptionType[];
}
