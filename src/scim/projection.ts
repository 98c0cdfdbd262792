import { ScimError } from "./errors";
import { checkAttributePathLength, MAX_PROJECTION_PATHS } from "./filter/limits";
import { StreamedValues } from "./json-stream";
import { resolveAttributePath, type ResourceSchema } from "./schema";
import type { ScimJson } from "./types";

/**
 * `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5), resolved once per request. Paths are
 * keyed as `<top-level key>` or `<top-level key>.<sub-attribute>`, where the top-level key is the
 * canonical attribute name or, for extension attributes, the extension URN.
 */
export interface Projection {
  only: Map<string, Set<string> | null> | null;
  excluded: Map<string, Set<string> | null>;
}

/** Attributes returned whatever the request says ("returned": "always"). */
const ALWAYS = new Set(["schemas", "id"]);

export function parseProjection(resource: ResourceSchema, attributes?: string | string[], excludedAttributes?: string | string[]): Projection {
  const only = toList(attributes, "attributes");
  return { only: only.length > 0 ? resolvePaths(resource, only) : null, excluded: resolvePaths(resource, toList(excludedAttributes, "excludedAttributes")) };
}

/** Whether a top-level attribute appears in the output at all: decides what is worth loading. */
export function wantsAttribute(projection: Projection, key: string): boolean {
  if (projection.only && !projection.only.has(key)) return false;
  return !(projection.excluded.has(key) && projection.excluded.get(key) === null);
}

export function project(json: ScimJson, projection: Projection): ScimJson {
  const result: ScimJson = {};
  for (const [key, value] of Object.entries(json)) {
    if (ALWAYS.has(key)) {
      result[key] = value;
      continue;
    }
    if (projection.only) {
      if (!projection.only.has(key)) continue;
      const subs = projection.only.get(key);
      result[key] = subs ? pickSubs(value, (sub) => subs.has(sub.toLowerCase())) : value;
    } else {
      result[key] = value;
    }
    if (projection.excluded.has(key)) {
      const subs = projection.excluded.get(key);
      if (!subs) delete result[key];
      else result[key] = pickSubs(result[key], (sub) => !subs.has(sub.toLowerCase()));
    }
  }
  return result;
}

/** The comma-separated list (or repeated query parameter), bounded so no request resolves thousands of paths. */
function toList(value: string | string[] | undefined, parameter: "attributes" | "excludedAttributes"): string[] {
  if (value === undefined) return [];
  const paths = (Array.isArray(value) ? value.join(",") : value).split(",").map((s) => s.trim()).filter(Boolean);
  if (paths.length > MAX_PROJECTION_PATHS) {
    throw ScimError.invalidValue(`${parameter} lists more than ${MAX_PROJECTION_PATHS} attribute paths (MAX_PROJECTION_PATHS)`);
  }
  for (const path of paths) checkAttributePathLength(path, parameter);
  return paths;
}

/** Canonical keys for each requested path; names the schemas do not know are matched as given. */
function resolvePaths(resource: ResourceSchema, paths: string[]): Map<string, Set<string> | null> {
  const map = new Map<string, Set<string> | null>();
  for (const path of paths) {
    const resolved = resolveAttributePath(resource, path);
    const key = resolved ? (resolved.schemaUrn === resource.coreSchema ? resolved.attribute.name : resolved.schemaUrn) : path;
    const sub = resolved ? (resolved.schemaUrn === resource.coreSchema ? resolved.subAttribute?.name : resolved.attribute.name) : undefined;
    if (resolved && resolved.schemaUrn !== resource.coreSchema && resolved.subAttribute) continue; // deeper than projection needs
    if (sub === undefined) {
      map.set(key, null);
    } else if (map.get(key) !== null) {
      const subs = map.get(key) ?? new Set<string>();
      subs.add(sub.toLowerCase());
      map.set(key, subs);
    }
  }
  return map;
}

/** Keeps the chosen sub-attributes of a complex value, or of each element of a multi-valued one (streamed ones as they pass). */
function pickSubs(value: unknown, keep: (sub: string) => boolean): unknown {
  const pick = (item: unknown) =>
    item && typeof item === "object" && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item as ScimJson).filter(([k]) => keep(k)))
      : item;
  if (value instanceof StreamedValues) return value.map(pick);
  return Array.isArray(value) ? value.map(pick) : pick(value);
}
