import { ScimError } from "./errors";

/** The resource version as a weak ETag (RFC 7644 §3.14): `W/"3"`. */
export function etagOf(version: number): string {
  return `W/"${version}"`;
}

/**
 * The version an `If-Match` header demands, or undefined when there is none or it is `*`.
 * Accepts weak and strong forms (`W/"3"`, `"3"`); a list of several tags is not supported.
 */
export function versionFromIfMatch(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === "*") return undefined;
  const match = /^\s*(?:W\/)?"(\d+)"\s*$/.exec(value);
  if (!match) throw new ScimError(412, null, `If-Match "${value}" is not an ETag this server issued`);
  return Number(match[1]);
}
