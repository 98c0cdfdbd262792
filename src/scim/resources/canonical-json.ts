import type { AttributeSchema } from "../schema";

/**
 * Stored JSON in one key order whichever database kept it. SQLite returns objects as they were
 * written; PostgreSQL's jsonb returns them in its own order (shorter keys first). A resource must
 * render the same on both, and a write's answer (rendered from what was written) the same as the
 * GET after it: sub-attributes in schema order, then any others sorted. Arrays keep their order.
 */
export function inSchemaOrder(value: unknown, attributes: readonly AttributeSchema[] = []): unknown {
  if (Array.isArray(value)) return value.map((item) => inSchemaOrder(item, attributes));
  if (value === null || typeof value !== "object") return value;
  const object = value as Record<string, unknown>;
  const ordered: Record<string, unknown> = {};
  for (const attribute of attributes) {
    if (Object.hasOwn(object, attribute.name)) ordered[attribute.name] = inSchemaOrder(object[attribute.name], attribute.subAttributes);
  }
  for (const key of Object.keys(object).sort()) {
    if (!Object.hasOwn(ordered, key)) ordered[key] = inSchemaOrder(object[key]);
  }
  return ordered;
}
