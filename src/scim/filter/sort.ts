import { isUserValueList, type SortKey } from "../../domain/ports/filter";
import { ScimError } from "../errors";
import type { AttributeSchema, ResourceSchema } from "../schema";
import { elementSubAttribute, locateAttribute } from "./attributes";
import { checkAttributePathLength } from "./limits";

/**
 * `sortBy` (RFC 7644 §3.4.2.3) → the domain's sort key; the store appends the direction from
 * sortOrder and a tie-breaker. Strings that are not caseExact sort case-insensitively. A
 * multi-valued attribute sorts by its primary value, else its first; a complex one needs a
 * sub-attribute (`name.familyName`).
 */
export function compileSortBy(sortBy: string, resource: ResourceSchema): SortKey {
  const path = sortBy.trim();
  if (!path) throw ScimError.invalidFilter("sortBy is empty");
  checkAttributePathLength(path, "sortBy");
  const located = locateAttribute(resource, path);
  switch (located.kind) {
    case "scalar": {
      const { target } = located;
      if (target.kind === "constant") return { kind: "constant" };
      if (target.value.kind === "item") throw new Error(`${path} names an element outside its collection`);
      return { kind: "value", value: target.value, caseIgnoring: ignoresCase(located.schema) };
    }
    case "complex": {
      const sub = located.schema.subAttributes?.[0]?.name;
      throw ScimError.invalidFilter(`cannot sort by ${path}: it is complex, sort by a sub-attribute such as ${path}.${sub}`);
    }
    case "collection": {
      const { target: collection, schema } = located;
      // Only value lists have a primary element to sort by; groups and members do not.
      if (!isUserValueList(collection.collection)) throw ScimError.invalidFilter(`cannot sort by ${path}`);
      if (!located.sub && !schema.subAttributes?.some((a) => a.name === "value")) {
        throw ScimError.invalidFilter(`cannot sort by ${path}: name one of its sub-attributes, e.g. ${path}.${schema.subAttributes?.[0]?.name}`);
      }
      const sub = located.sub ?? elementSubAttribute(collection, schema, "value");
      if (sub.target.kind !== "value" || sub.target.value.kind !== "item") throw new Error(`${path} is not an item of ${collection.collection}`);
      return { kind: "primaryItem", collection: collection.collection, item: sub.target.value.name, caseIgnoring: ignoresCase(sub.schema) };
    }
  }
}

/** Strings that are not caseExact (RFC 7643 §2.2) sort by their lower-cased form; binary, numbers and instants as they are. */
function ignoresCase(schema: AttributeSchema): boolean {
  return (schema.type === "string" || schema.type === "reference") && !schema.caseExact;
}
