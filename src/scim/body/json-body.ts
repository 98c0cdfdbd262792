import { MAX_JSON_DEPTH, firstUncleanText, jsonDepth, walkJson } from "../../domain/json-limits";
import { ScimError } from "../errors";

/**
 * How deep a whole SCIM request body may nest. The domain bounds each stored attribute at
 * MAX_JSON_DEPTH; a body wraps an attribute in at most 5 more levels (PatchOp body → Operations →
 * operation → value → extension object), so this refuses only what no attribute could hold, and
 * does it before any recursive code (JSON.stringify, the PATCH walk) meets a 100,000-deep body.
 */
export const MAX_BODY_DEPTH = MAX_JSON_DEPTH + 8;

/**
 * A SCIM request body's text → its JSON value; an empty body is `undefined` (GET, DELETE, a PATCH
 * with nothing in it). Refused with 400: text that is not JSON, JSON nested deeper than
 * MAX_BODY_DEPTH, strings (keys or values) holding NUL or a lone UTF-16 surrogate, which no
 * database column, UTF-8 encoder or log line keeps as sent, and "__proto__" keys.
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === "") return undefined;
  let body: unknown;
  try {
    // V8's JSON.parse is not recursive, so even 100,000 "[" answer here, not with a stack overflow.
    body = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the body, which may hold anything: keep it out of the answer.
    throw ScimError.invalidSyntax("the request body is not valid JSON");
  }
  // invalidValue, as the domain answers an attribute nested deeper than MAX_JSON_DEPTH.
  if (jsonDepth(body, MAX_BODY_DEPTH) > MAX_BODY_DEPTH) {
    throw ScimError.invalidValue(`the request body nests deeper than ${MAX_BODY_DEPTH} levels (MAX_BODY_DEPTH)`);
  }
  // JSON.parse of UTF-8 text yields NUL or a lone surrogate only from a \u escape, and a
  // "__proto__" key is spelled out or escaped the same way: other bodies need no walk.
  if (text.includes("\\u") || text.includes("__proto__")) assertSafeKeysAndStrings(body);
  return body;
}

/**
 * A "__proto__" key is refused as fastify's own JSON parser refuses it for every other route:
 * `Object.assign` and spreads of the body would set an object's prototype with it.
 */
function assertSafeKeysAndStrings(body: unknown): void {
  const unclean = firstUncleanText(body);
  if (unclean !== null) {
    const what = unclean.includes("\u0000") ? "the NUL character (\\u0000)" : "a lone UTF-16 surrogate (not a character)";
    throw ScimError.invalidValue(`the request body holds a string with ${what}`);
  }
  walkJson(body, (node) => {
    if (node !== null && typeof node === "object" && Object.prototype.hasOwnProperty.call(node, "__proto__")) {
      throw ScimError.invalidValue('the request body holds a "__proto__" key');
    }
    return true;
  });
}
