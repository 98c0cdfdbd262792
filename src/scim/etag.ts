import { ScimError } from "./errors";

/** The resource version as a weak ETag (RFC 7644 §3.14): `W/"3"`. */
export function etagOf(version: number): string {
  return `W/"${version}"`;
}

/**
 * An `If-Match` or `If-None-Match` header: `*`, or the opaque values of its entity tags, weak and
 * strong alike (`W/"3"` and `"3"` both give "3": RFC 9110 §8.8.3.2 compares them weakly). Repeated
 * headers are one list.
 */
function entityTags(header: string | string[]): "*" | string[] {
  const value = Array.isArray(header) ? header.join(", ") : header;
  if (value.trim() === "*") return "*";
  return [...value.matchAll(/(?:W\/)?"([^"]*)"/g)].map(([, opaque]) => opaque);
}

/**
 * The versions an `If-Match` header accepts, or undefined when there is none or it is `*` (any).
 * Tags this server never issued match no version; none at all is a 412 at once.
 */
export function versionsFromIfMatch(header: string | string[] | undefined): number[] | undefined {
  if (header === undefined) return undefined;
  const tags = entityTags(header);
  if (tags === "*") return undefined;
  const versions = tags.filter((tag) => /^\d+$/.test(tag)).map(Number);
  if (versions.length === 0) throw new ScimError(412, null, `If-Match "${header}" names no ETag this server issued`);
  return versions;
}

/** Whether an `If-None-Match` or `If-Match` header names the resource at `version` (`*` names any that exists). */
export function entityTagsMatch(header: string | string[], version: number): boolean {
  const tags = entityTags(header);
  return tags === "*" || tags.includes(String(version));
}
