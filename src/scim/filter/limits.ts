import { parse, type Filter } from "scim2-parse-filter";
import { ScimError } from "../errors";
import { takeQuotedValuesOut } from "./quoted-values";

/**
 * Bounds on the list parameters of RFC 7644 §3.4.2 (`filter`, `sortBy`, `attributes`), checked
 * before anything runs. A request too large to evaluate is the client's error, answered 400, not
 * SQLite's (an `or` of 1,000 terms is "Expression tree is too large", a 100 KB `co` value "LIKE
 * pattern too complex", SQL nested ~60 parentheses deep "parser stack overflow") nor the parser's
 * (10,000 "(" overflow its recursion).
 *
 * Real clients stay far below them: Okta and Entra ID send one or two comparisons
 * (`userName eq "…"`, `externalId eq "…"`, `displayName eq "…"`); governance tools batch lookups
 * as `id eq "…" or id eq "…"` lists of 50–100, about 50 characters a comparison.
 */

/** Characters (UTF-16 code units) of the whole filter text: 200 comparisons of `externalId eq "<uuid>"` fit with room. */
export const MAX_FILTER_LENGTH = 16 * 1024;
/**
 * Comparisons (`eq`, `co`, `pr`, …) in one filter, counting those inside value paths (`emails[…]`).
 * SQLite's expression tree (at most 1,000 deep) first fails between 400 and 500 of them.
 */
export const MAX_FILTER_CLAUSES = 200;
/**
 * How deep `(`, `[` and `not` may nest, in the text and in the parsed tree (each `and`/`or`/`not`/`[…]`
 * level counts). Real filters nest 1–3 deep. SQLite's parser stack (100 entries) first overflows
 * at 22 levels over the deepest SQL (a `groups[…]` walk at the bottom), so 10 leaves it room.
 */
export const MAX_FILTER_NESTING = 10;
/**
 * Characters of one compared value. Longer than any stored name, e-mail, URL or LDAP DN an IdP
 * looks up, and its LIKE pattern stays below SQLite's 50,000-byte SQLITE_MAX_LIKE_PATTERN_LENGTH
 * even in the worst case (NFC and lower-casing growing it 6 times, 3 UTF-8 bytes a code unit:
 * about 37,000 bytes). `co` on a caseExact attribute uses instr(), which has no length limit.
 */
export const MAX_FILTER_VALUE_LENGTH = 2048;
/** Characters of one attribute path in `sortBy`, `attributes` or `excludedAttributes` (the longest real one, an enterprise extension path, is about 80). */
export const MAX_ATTRIBUTE_PATH_LENGTH = 256;
/** Paths in one `attributes` or `excludedAttributes` list: a User has about 70 attributes and sub-attributes in all. */
export const MAX_PROJECTION_PATHS = 200;

/** What the pre-parse scan learned about the text, beyond its limits. */
export interface FilterTextFacts {
  /** `]` directly followed by `.` outside a quoted value: `emails[type eq "work"].value`, a PATCH path. */
  subAttributeAfterValuePath: boolean;
}

/**
 * Checks the raw text in one linear pass before scim2-parse-filter sees it: its length, how deep
 * `(` and `[` nest (the parser recurses once per level), and that quoted values hold no raw
 * control character. The last is not pedantry: the parser's string pattern matches a raw line
 * feed two ways, so an unterminated value with 30 of them backtracks for minutes (a compValue is
 * a JSON string, which cannot hold them raw anyway).
 */
function checkFilterText(text: string): FilterTextFacts {
  if (text.length > MAX_FILTER_LENGTH) {
    throw ScimError.invalidFilter(`the filter is longer than ${MAX_FILTER_LENGTH} characters (MAX_FILTER_LENGTH); split the query into several requests`);
  }
  let depth = 0;
  let inString = false;
  let subAttributeAfterValuePath = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i += 1;
      else if (c === QUOTE) inString = false;
      else if (c < 0x20) throw ScimError.invalidFilter("a quoted value in the filter holds a raw control character (U+0000–U+001F), which a JSON string cannot (RFC 7644 §3.4.2.2 compValue)");
      continue;
    }
    if (c === QUOTE) inString = true;
    else if (c === OPEN_PAREN || c === OPEN_BRACKET) {
      depth += 1;
      if (depth > MAX_FILTER_NESTING) throw tooDeep();
    } else if (c === CLOSE_PAREN || c === CLOSE_BRACKET) {
      depth -= 1;
      if (c === CLOSE_BRACKET && text.charCodeAt(i + 1) === DOT) subAttributeAfterValuePath = true;
    }
  }
  return { subAttributeAfterValuePath };
}

/**
 * Checks the parsed filter, walked with an explicit stack: how many comparisons it makes, how deep
 * its operators nest (`not not not … a eq 1` needs no parentheses) and how long each compared value is.
 */
function checkFilterTree(filter: Filter): void {
  let clauses = 0;
  const stack: Array<{ node: Filter; depth: number }> = [{ node: filter, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as { node: Filter; depth: number };
    if (depth > MAX_FILTER_NESTING) throw tooDeep();
    switch (node.op) {
      case "and":
      case "or":
        for (const child of node.filters) stack.push({ node: child, depth: depth + 1 });
        break;
      case "not":
        stack.push({ node: node.filter, depth: depth + 1 });
        break;
      case "[]":
        stack.push({ node: node.valFilter, depth: depth + 1 });
        break;
      default:
        clauses += 1;
        if (clauses > MAX_FILTER_CLAUSES) {
          throw ScimError.invalidFilter(`the filter makes more than ${MAX_FILTER_CLAUSES} comparisons (MAX_FILTER_CLAUSES); split the query into several requests`);
        }
        if ("compValue" in node && typeof node.compValue === "string" && node.compValue.length > MAX_FILTER_VALUE_LENGTH) {
          throw ScimError.invalidFilter(`a compared value in the filter is longer than ${MAX_FILTER_VALUE_LENGTH} characters (MAX_FILTER_VALUE_LENGTH)`);
        }
    }
  }
}

/**
 * Parses a filter (a list's `filter`, or the `[…]` of a PATCH path) within the bounds: the text is
 * checked before scim2-parse-filter sees it, the tree after; quoted values are JSON strings
 * (quoted-values.ts). The one way filters are parsed, so no
 * caller can hand the parser text it would spend minutes on. `syntaxError` words a parse failure
 * for the caller (the parser's message, cut short: it quotes the rest of the text).
 */
export function parseWithinLimits(text: string, syntaxError: (reason: string) => string): { filter: Filter; facts: FilterTextFacts } {
  const facts = checkFilterText(text);
  const quoted = takeQuotedValuesOut(text);
  let filter: Filter;
  try {
    filter = quoted.restore(parse(quoted.text));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw ScimError.invalidFilter(syntaxError(reason.length <= 200 ? reason : `${reason.slice(0, 200)}…`));
  }
  checkFilterTree(filter);
  return { filter, facts };
}

/** One attribute path of `sortBy` (invalidFilter, as every other sortBy error) or of a projection list. */
export function checkAttributePathLength(path: string, parameter: "sortBy" | "attributes" | "excludedAttributes"): void {
  if (path.length <= MAX_ATTRIBUTE_PATH_LENGTH) return;
  const detail = `${parameter} names an attribute path longer than ${MAX_ATTRIBUTE_PATH_LENGTH} characters (MAX_ATTRIBUTE_PATH_LENGTH)`;
  throw parameter === "sortBy" ? ScimError.invalidFilter(detail) : ScimError.invalidValue(detail);
}

function tooDeep(): ScimError {
  return ScimError.invalidFilter(`the filter nests "(", "[" or "not" more than ${MAX_FILTER_NESTING} levels deep (MAX_FILTER_NESTING)`);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_PAREN = 0x28;
const CLOSE_PAREN = 0x29;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const DOT = 0x2e;
