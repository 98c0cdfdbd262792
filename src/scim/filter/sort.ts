import { ScimError } from "../errors";
import type { AttributeSchema, ResourceSchema } from "../schema";
import { assertAlias, elementSubAttribute, locateAttribute, type ScalarTarget } from "./columns";
import type { SqlDialect } from "./dialect";
import { checkAttributePathLength } from "./limits";

/**
 * `sortBy` (RFC 7644 §3.4.2.3) → an ORDER BY expression over the resource table aliased `alias`;
 * the caller appends ASC/DESC from sortOrder and a tie-breaker. Strings that are not caseExact
 * sort case-insensitively (their lower-cased key when indexed). A multi-valued attribute sorts by
 * its primary value, else its first; a complex one needs a sub-attribute (`name.familyName`).
 * The expression binds nothing: it holds only names from the attribute map.
 */
export function compileSortBy(sortBy: string, resource: ResourceSchema, alias: string, dialect: SqlDialect): string {
  assertAlias(alias);
  const path = sortBy.trim();
  if (!path) throw ScimError.invalidFilter("sortBy is empty");
  checkAttributePathLength(path, "sortBy");
  const located = locateAttribute(resource, path);
  switch (located.kind) {
    case "scalar":
      return sortValue(located.schema, located.target, alias, dialect);
    case "complex": {
      const sub = located.schema.subAttributes?.[0]?.name;
      throw ScimError.invalidFilter(`cannot sort by ${path}: it is complex, sort by a sub-attribute such as ${path}.${sub}`);
    }
    case "collection": {
      const { target: collection, schema } = located;
      if (!collection.primaryFirst) throw ScimError.invalidFilter(`cannot sort by ${path}`);
      if (!located.sub && !schema.subAttributes?.some((a) => a.name === "value")) {
        throw ScimError.invalidFilter(`cannot sort by ${path}: name one of its sub-attributes, e.g. ${path}.${schema.subAttributes?.[0]?.name}`);
      }
      const sub = located.sub ?? elementSubAttribute(collection, schema, "value");
      const element = `${alias}_s`;
      const { from, where } = collection.source(alias, element, dialect);
      const value = sortValue(sub.schema, sub.target, element, dialect);
      return `(SELECT ${value} FROM ${from}${where ? ` WHERE ${where}` : ""} ORDER BY ${collection.primaryFirst(element, dialect)} LIMIT 1)`;
    }
  }
}

function sortValue(schema: AttributeSchema, target: ScalarTarget, alias: string, dialect: SqlDialect): string {
  const stringy = schema.type === "string" || schema.type === "reference";
  if (!stringy || schema.caseExact) return target.expr(alias, dialect);
  return target.key?.(alias) ?? `lower(${target.expr(alias, dialect)})`;
}
