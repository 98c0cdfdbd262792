import { MAX_JSON_DEPTH, jsonDepth } from "../../domain/json-limits";
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

/** With the `u` flag a surrogate pair is one code point, so this matches only unpaired halves. */
const NUL_OR_LONE_SURROGATE = /[\u0000\uD800-\uDFFF]/u;

/**
 * Walks every key and string value with an explicit stack (the depth is already bounded, the width
 * is not). A "__proto__" key is refused as fastify's own JSON parser refuses it for every other
 * route: `Object.assign` and spreads of the body would set an object's prototype with it.
 */
function assertSafeKeysAndStrings(root: unknown): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node === "string") {
      if (NUL_OR_LONE_SURROGATE.test(node)) throw unclean(node);
    } else if (Array.isArray(node)) {
      for (const item of node) stack.push(item);
    } else if (node !== null && typeof node === "object") {
      for (const [key, value] of Object.entries(node)) {
        if (NUL_OR_LONE_SURROGATE.test(key)) throw unclean(key);
        if (key === "__proto__") throw ScimError.invalidValue('the request body holds a "__proto__" key');
        stack.push(value);
      }
    }
  }
}

function unclean(text: string): ScimError {
  const what = text.includes("\u0000") ? "the NUL character (\\u0000)" : "a lone UTF-16 surrogate (not a character)";
  return ScimError.invalidValue(`the request body holds a string with ${what}`);
}
