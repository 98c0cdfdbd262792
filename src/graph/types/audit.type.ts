import { Field, ID, ObjectType } from "type-graphql";
import { BoundedJSONObject } from "../scalars/json-object";
import { Connection } from "./connection";

@ObjectType("AuditEvent", { description: "One change to the directory, from GraphQL or SCIM" })
export class AuditEventType {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: "e.g. user.create, group.member_add, scim.member.update" })
  type!: string;

  @Field(() => ID, { nullable: true })
  organizationId!: string | null;

  @Field(() => String, { description: "api_key, scim_token, cli or system (the server itself)" })
  actorType!: string;

  @Field(() => ID, { nullable: true })
  actorId!: string | null;

  @Field(() => String)
  targetType!: string;

  @Field(() => ID, { nullable: true })
  targetId!: string | null;

  @Field(() => BoundedJSONObject, { nullable: true, description: "What changed" })
  data!: Record<string, unknown> | null;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType()
export class AuditEventConnection extends Connection(AuditEventType, "AuditEvent") {}
