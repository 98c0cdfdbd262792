import { GraphQLError } from "graphql";
import { Field, ID, InputType } from "type-graphql";
import type { PreviewedChange } from "../../domain/queries/what-if";
import { GroupMemberInput } from "./group.input";
import { BindRoleInput, SetRoleMappingInput } from "./role.input";
import { userAttributesFromInput } from "./user-attributes";
import type { UserAttributesInput } from "./user.input";

@InputType("WhatIfUnbindRoleInput")
export class WhatIfUnbindRoleInput {
  @Field(() => ID)
  bindingId!: string;
}

@InputType("WhatIfDeleteRoleMappingInput")
export class WhatIfDeleteRoleMappingInput {
  @Field(() => ID)
  id!: string;
}

@InputType("WhatIfSetDefaultRoleInput")
export class WhatIfSetDefaultRoleInput {
  @Field(() => ID)
  organizationId!: string;

  @Field(() => ID, { nullable: true, description: "The new default role; null clears it" })
  roleId?: string | null;
}

@InputType("WhatIfSetUserActiveInput")
export class WhatIfSetUserActiveInput {
  @Field(() => ID)
  userId!: string;

  @Field(() => Boolean)
  active!: boolean;
}

@InputType("WhatIfSetUserIdpRoleValuesInput")
export class WhatIfSetUserIdpRoleValuesInput {
  @Field(() => ID)
  userId!: string;

  @Field(() => [String], { description: "The user's IdP role values after the change (all of them)" })
  values!: string[];
}

/**
 * One change to preview. A one-of input: exactly one field is given (BAD_USER_INPUT otherwise).
 * Each field takes what the mutation making that change takes.
 */
@InputType("WhatIfChangeInput", { description: "The change to preview: exactly one field, each as its mutation takes it" })
export class WhatIfChangeInput {
  @Field(() => GroupMemberInput, { nullable: true, description: "As addGroupMember" })
  addGroupMember?: GroupMemberInput | null;

  @Field(() => GroupMemberInput, { nullable: true, description: "As removeGroupMember" })
  removeGroupMember?: GroupMemberInput | null;

  @Field(() => BindRoleInput, { nullable: true, description: "As bindRole" })
  bindRole?: BindRoleInput | null;

  @Field(() => WhatIfUnbindRoleInput, { nullable: true, description: "As unbindRole" })
  unbindRole?: WhatIfUnbindRoleInput | null;

  @Field(() => SetRoleMappingInput, { nullable: true, description: "As setRoleMapping" })
  setRoleMapping?: SetRoleMappingInput | null;

  @Field(() => WhatIfDeleteRoleMappingInput, { nullable: true, description: "As deleteRoleMapping" })
  deleteRoleMapping?: WhatIfDeleteRoleMappingInput | null;

  @Field(() => WhatIfSetDefaultRoleInput, { nullable: true, description: "As updateOrganization with defaultRoleId" })
  setDefaultRole?: WhatIfSetDefaultRoleInput | null;

  @Field(() => WhatIfSetUserActiveInput, { nullable: true, description: "As updateUser with active" })
  setUserActive?: WhatIfSetUserActiveInput | null;

  @Field(() => WhatIfSetUserIdpRoleValuesInput, { nullable: true, description: "As updateUser with idpRoleValues" })
  setUserIdpRoleValues?: WhatIfSetUserIdpRoleValuesInput | null;
}

type Branches = { [K in keyof WhatIfChangeInput]-?: (value: NonNullable<WhatIfChangeInput[K]>) => PreviewedChange };

/** Each field of the input → the command its mutation calls, with the input that mutation passes (see its resolver). */
const BRANCHES: Branches = {
  addGroupMember: (input) => ({ command: "addGroupMember", input }),
  removeGroupMember: (input) => ({ command: "removeGroupMember", input }),
  bindRole: (input) => ({ command: "bindRole", input }),
  unbindRole: ({ bindingId }) => ({ command: "unbindRole", bindingId }),
  setRoleMapping: (input) => ({ command: "setRoleMapping", input }),
  deleteRoleMapping: ({ id }) => ({ command: "deleteRoleMapping", mappingId: id }),
  setDefaultRole: ({ organizationId, roleId }) => ({ command: "updateOrganizationSettings", input: { id: organizationId, defaultRoleId: roleId ?? null } }),
  setUserActive: ({ userId, active }) => ({ command: "updateUser", input: { id: userId, ...userAttributesFromInput({ active } as UserAttributesInput) } }),
  setUserIdpRoleValues: ({ userId, values }) =>
    ({ command: "updateUser", input: { id: userId, ...userAttributesFromInput({ idpRoleValues: values } as UserAttributesInput) } }),
};

/** The change the input names, or BAD_USER_INPUT when it names none or several. */
export function previewedChangeOf(input: WhatIfChangeInput): PreviewedChange {
  const given = (Object.keys(BRANCHES) as Array<keyof Branches>).filter((name) => input[name] != null);
  if (given.length !== 1) {
    const named = given.length > 1 ? ` (${given.join(", ")})` : "";
    throw new GraphQLError(`give exactly one change in WhatIfChangeInput, not ${given.length}${named}`, { extensions: { code: "BAD_USER_INPUT" } });
  }
  const [name] = given;
  return (BRANCHES[name] as (value: unknown) => PreviewedChange)(input[name]);
}
