import { ScimError } from "../errors";

/**
 * RFC 7644 §3.1 / §8.1: SCIM bodies are `application/scim+json`; `application/json` is what
 * SCIM 1.1 clients and many libraries send, and RFC 7644 §3.8 asks servers to accept it too.
 * Parameters (`; charset=utf-8`, as Entra ID and Okta send) are ignored. Any other type, or
 * none, is refused: the DummyIdP test tool's `text/plain` (ssoready/dummyidp #17, #21) and Okta's
 * old SCIM 1.1 test cases (fixed in 2018) are the only clients found sending a body without one.
 */
const ACCEPTED = new Set(["application/scim+json", "application/json"]);

/** Refuses a non-empty body whose declared media type is not JSON (415 in SCIM's error format). */
export function assertJsonMediaType(contentType: string | undefined): void {
  const mediaType = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (ACCEPTED.has(mediaType)) return;
  const declared = mediaType === "" ? "no Content-Type" : `Content-Type ${mediaType}`;
  throw new ScimError(415, null, `a SCIM request body must be sent as application/scim+json (or application/json), not with ${declared}`);
}
