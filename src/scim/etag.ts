import { ScimError } from "./errors";

/** The resource version as a weak ETag (RFC 7644 §3.14): `W/"3"`. */
export function etagOf(version: number): string {
  return `W/"${version}"`;
}

/**
 * The version an `If-Match` header demands, or undefined when there is none or it is `*`.
 * Accepts weak and strong forms (`W/"3"`, `"3"`) and a list of one; a list of several tags is not
 * supported (the write would have to accept any of several versions).
 */
export function versionFromIfMatch(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header.join(", ") : header;
  if (value === undefined || value.trim() === "*") return undefined;
  const match = /^\s*(?:W\/)?"(\d+)"\s*$/.exec(value);
  if (!match) throw new ScimError(412, null, `If-Match "${value}" is not an ETag this server issued`);
  return Number(match[1]);
}

/**
 * Whether an `If-None-Match` or `If-Match` header names the resource at `version`: `*` names any
 * existing resource; otherwise any tag of the list, compared weakly (RFC 9110 §8.8.3.2: `"3"` and
 * `W/"3"` are the same version). Tags this server did not issue name nothing.
 */
export function entityTagsMatch(header: string | string[], version: number): boolean {
  const value = Array.isArray(header) ? header.join(", ") : header;
  if (value.trim() === "*") return true;
  for (const [, opaque] of value.matchAll(/(?:W\/)?"([^"]*)"/g)) {
    if (opaque === String(version)) return true;
  }
  return false;
}
