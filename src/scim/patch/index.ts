/** SCIM PATCH (RFC 7644 §3.5.2): parse the request once, then apply it purely. */
export { parsePatchRequest, parsePatchPath } from "./parse";
export { applyPatch } from "./apply";
export { memberOnlyDelta } from "./member-delta";
export { PATCH_OP_SCHEMA } from "./types";
export type {
  AddOrReplaceOperation, MemberRef, MembershipDelta, PatchOpName, PatchOperation, PatchPath, PatchResult, RemoveOperation,
  ScimResourceJson,
} from "./types";
