import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EntityProperty, MikroORM } from "@mikro-orm/core";
import { buildSchema, type GraphQLField, type GraphQLInputField, type GraphQLInputObjectType, type GraphQLObjectType } from "graphql";
import SCHEMAS from "../../schema/scim/Schemas.json";
import {
  isFilterable,
  scimPlaceOf,
  USER_ATTRIBUTE_ENTRIES,
  USER_ATTRIBUTE_NAMES,
  type UserAttributeEntry,
  type UserAttributeName,
  type UserAttributes,
} from "../../src/domain/ports/user-attributes";
import { printGraphSchema } from "../../src/graph/print-schema";
import { compileFilter, compileSortBy } from "../../src/scim/filter/compile";
import { userAttributesFromScim, userToScim } from "../../src/scim/resources/user-json";
import { ENTERPRISE_USER_SCHEMA, RESOURCE_SCHEMAS, USER_SCHEMA, type AttributeSchema } from "../../src/scim/schema";
import type { ScimJson } from "../../src/scim/types";
import { User } from "../../src/store/entities";
import { migrateToLatest, openOrm } from "../../src/store/orm";
import { POSTGRES_FILTER_SQL, renderFilter, renderSort, SQLITE_FILTER_SQL } from "../../src/store/sql/filter";
import { userColumn } from "../../src/store/sql/filter/names";

// domain/ports/user-attributes.ts is the one description of the user's attributes: each entry
// must have reached the entity, GraphQL, SCIM rendering and parsing, and the filter map.

const ENTRIES = USER_ATTRIBUTE_ENTRIES.map(([name, entry]) => [name, entry] as [UserAttributeName, UserAttributeEntry]);
const FILTERABLE = ENTRIES.filter(([, entry]) => isFilterable(entry));

describe("every entry is a column of the User entity", () => {
  let orm: MikroORM;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "idgraph-attributes-"));
    orm = await openOrm({ kind: "sqlite", path: join(dir, "attributes.sqlite") });
    await migrateToLatest(orm);
  });

  afterAll(async () => {
    await orm.close(true);
    rmSync(dir, { recursive: true, force: true });
  });

  const COLUMN: Record<UserAttributeEntry["kind"], { type: string; nullable: boolean }> = {
    text: { type: "string", nullable: true },
    requiredText: { type: "string", nullable: false },
    boolean: { type: "boolean", nullable: false },
    valueList: { type: "JsonType", nullable: false },
    object: { type: "JsonType", nullable: true },
  };

  it.each(ENTRIES)("%s: mapped by its kind, under the column the filters name, and migrated", async (name, entry) => {
    const prop = orm.getMetadata().get("User").properties[name] as EntityProperty | undefined;
    expect(prop).toBeDefined();
    expect({ kind: prop!.kind, type: prop!.type, nullable: Boolean(prop!.nullable), column: prop!.fieldNames[0] }).toEqual({
      kind: "scalar",
      ...COLUMN[entry.kind],
      column: userColumn(name),
    });
    const columns = (await orm.em.fork().getConnection().execute(`pragma table_info("user")`)) as Array<{ name: string; notnull: number }>;
    expect(columns.find((c) => c.name === userColumn(name))).toMatchObject({ notnull: COLUMN[entry.kind].nullable ? 0 : 1 });
  });

  it("a new user has each attribute's starting value", () => {
    const user = new User();
    for (const [name, entry] of ENTRIES) {
      const expected = { text: null, object: null, valueList: [], boolean: entry.default, requiredText: undefined }[entry.kind];
      expect({ name, value: user[name] }).toEqual({ name, value: expected });
    }
  });
});

describe("GraphQL shows each entry as its `graphql` exposure says", () => {
  const OUTPUT_TYPE: Record<string, string> = {
    text: "String", requiredText: "String!", boolean: "Boolean!", object: "JSONObject",
    "valueList:contactValue": "[ContactValue!]!", "valueList:jsonObject": "[JSONObject!]!",
  };
  const INPUT_TYPE: Record<string, string> = {
    text: "String", requiredText: "String", boolean: "Boolean", object: "JSONObject",
    "valueList:contactValue": "[ContactValueInput!]", "valueList:value": "[String!]", "valueList:jsonObject": "[JSONObject!]",
  };
  const typeKey = (entry: UserAttributeEntry, elements: string | undefined) => (entry.kind === "valueList" ? `valueList:${elements ?? "jsonObject"}` : entry.kind);

  let userType: GraphQLObjectType;
  let createInput: GraphQLInputObjectType;
  let updateInput: GraphQLInputObjectType;

  beforeAll(async () => {
    const schema = buildSchema(await printGraphSchema());
    userType = schema.getType("User") as GraphQLObjectType;
    createInput = schema.getType("CreateUserInput") as GraphQLInputObjectType;
    updateInput = schema.getType("UpdateUserInput") as GraphQLInputObjectType;
  });

  const shown = (field: GraphQLField<unknown, unknown> | GraphQLInputField | undefined) =>
    field && { type: String(field.type), description: field.description ?? undefined };

  it.each(ENTRIES)("%s", (name, entry) => {
    const output = entry.graphql?.output;
    expect(shown(userType.getFields()[name])).toEqual(output && { type: OUTPUT_TYPE[typeKey(entry, output.elements)], description: output.description });

    const input = entry.graphql?.input;
    const field = input?.name ?? name;
    const inputType = input && INPUT_TYPE[typeKey(entry, input.elements)];
    expect(shown(createInput.getFields()[field])).toEqual(input && { type: input.requiredOnCreate ? `${inputType}!` : inputType, description: input.description });
    expect(shown(updateInput.getFields()[field])).toEqual(input && { type: inputType, description: input.description });
  });
});

describe("SCIM has each entry at its `scim` path", () => {
  const schemas = SCHEMAS as Array<{ id: string; attributes: AttributeSchema[] }>;
  const attributesOf = (urn: string) => schemas.find((s) => s.id === urn)?.attributes ?? [];

  it.each(ENTRIES)("%s: in schema/scim/Schemas.json, of its kind", (name, entry) => {
    const place = scimPlaceOf(entry);
    if (place.at === "unmodelled") {
      expect(entry.kind).toBe("object");
      return;
    }
    if (place.at === "extension") {
      expect(entry.kind).toBe("object");
      expect(attributesOf(place.urn).length).toBeGreaterThan(0);
      expect(RESOURCE_SCHEMAS.User.extensionSchemas).toContain(place.urn);
      return;
    }
    const attribute = attributesOf(USER_SCHEMA).find((a) => a.name === place.attribute);
    const schema = place.at === "core" ? attribute : attribute?.subAttributes?.find((a) => a.name === place.subAttribute);
    expect(schema).toBeDefined();
    const shape = { type: schema!.type, multiValued: schema!.multiValued };
    if (entry.kind === "valueList") expect(shape).toEqual({ type: "complex", multiValued: true });
    else if (entry.kind === "boolean") expect(shape).toEqual({ type: "boolean", multiValued: false });
    else expect(shape).toEqual({ type: expect.stringMatching(/^(string|reference)$/), multiValued: false });
  });

  it("the enterprise extension is the one SCIM serves", () => {
    expect(ENTRIES.some(([, entry]) => entry.scim === ENTERPRISE_USER_SCHEMA)).toBe(true);
  });

  /** A value of each attribute unlike a new user's, so that each must be rendered and parsed back. */
  function sampleAttributes(): UserAttributes {
    const sample: Record<string, unknown> = {};
    for (const [name, entry] of ENTRIES) {
      const place = scimPlaceOf(entry);
      sample[name] =
        entry.kind === "text" ? `${name} value`
        : entry.kind === "requiredText" ? "ada@example.test"
        : entry.kind === "boolean" ? !entry.default
        : entry.kind === "valueList" ? [{ value: `${name}-1`, type: "work", primary: true }, { value: `${name}-2` }]
        : place.at === "extension" ? { department: "R&D", manager: { value: "boss-id", displayName: "Boss" } }
        : { favouriteColour: "teal", "urn:example:params:scim:schemas:extension:acme:2.0:User": { badge: "B-17" } };
    }
    return sample as UserAttributes;
  }

  it("renders every attribute where its entry says, and parses the JSON back to the same attributes", () => {
    const attributes = sampleAttributes();
    const user = Object.assign(new User(), attributes);
    const json = userToScim(user, "https://idgraph.test/scim/v2");
    for (const [name, entry] of ENTRIES) {
      const place = scimPlaceOf(entry);
      const value = attributes[name];
      if (place.at === "core") expect({ name, rendered: json[place.attribute] }).toEqual({ name, rendered: value });
      else if (place.at === "subAttribute") expect({ name, rendered: (json[place.attribute] as ScimJson)[place.subAttribute] }).toEqual({ name, rendered: value });
      else if (place.at === "extension") {
        expect(json[place.urn]).toEqual(value);
        expect(json.schemas).toContain(place.urn);
      } else expect(json).toMatchObject(value as ScimJson);
    }
    expect(userAttributesFromScim(json, "inactive")).toEqual(attributes);
  });

  it("leaves out what a new user does not have, and parses it back as unassigned", () => {
    const user = Object.assign(new User(), { userName: "ada@example.test" });
    const json = userToScim(user, "https://idgraph.test/scim/v2");
    expect(Object.keys(json)).toEqual(["schemas", "id", "userName", "active", "meta"]);
    const parsed = userAttributesFromScim(json, "active");
    for (const name of USER_ATTRIBUTE_NAMES) expect({ name, value: parsed[name] }).toEqual({ name, value: user[name] });
  });
});

describe("SCIM filters and sortBy name each filterable entry by its column", () => {
  const { User: USERS } = RESOURCE_SCHEMAS;

  /** A filter on the entry's SCIM attribute (an extension by one of its fields). */
  function filterOn(entry: UserAttributeEntry): string {
    const place = scimPlaceOf(entry);
    if (place.at === "extension") return `${place.urn}:department pr`;
    if (place.at === "subAttribute") return `${place.attribute}.${place.subAttribute} pr`;
    return entry.kind === "valueList" ? `${entry.scim}[type pr]` : `${entry.scim} pr`;
  }

  it.each(FILTERABLE)("%s", (name, entry) => {
    const predicate = compileFilter(filterOn(entry), USERS);
    for (const dialect of [SQLITE_FILTER_SQL, POSTGRES_FILTER_SQL]) {
      expect(renderFilter(predicate, "User", "u", dialect).sql).toContain(`u.${userColumn(name)}`);
    }
    if (entry.kind !== "valueList" && entry.kind !== "object") {
      expect(renderSort(compileSortBy(entry.scim, USERS), "User", "u", SQLITE_FILTER_SQL)).toContain(`u.${userColumn(name)}`);
    }
  });

  it("leaves out only what the server does not model (it has no SCIM attribute to name)", () => {
    expect(ENTRIES.filter(([, entry]) => !isFilterable(entry)).map(([name]) => name)).toEqual(["extra"]);
  });
});
