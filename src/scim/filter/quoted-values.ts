import type { Filter } from "scim2-parse-filter";
import { isCleanText } from "../../domain/validate";
import { ScimError } from "../errors";

/**
 * A filter's quoted values read as RFC 7644 §3.4.2.2 defines them: JSON strings, escapes and all.
 * scim2-parse-filter reads them its own way — a backslash is literal unless a quote follows it —
 * so `userName eq "CORP\\jdoe"` (how a client writes CORP\jdoe) matched nothing, `"\u00e9"`
 * stayed six characters, and a value ending in an escaped backslash (`"x\\"`) did not parse.
 * The values are taken out of the text before the parser sees it, each replaced by a placeholder
 * with no backslash in it, and put back, decoded, into the parsed tree.
 */
export interface QuotedValues {
  /** The filter text with every quoted value replaced by its placeholder. */
  text: string;
  /** The parsed tree with the placeholders replaced by the values they stand for. */
  restore(filter: Filter): Filter;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const PLACEHOLDER = /^#(\d+)#$/;

/**
 * Takes the quoted values out of `text` (a filter whose quotes are balanced and whose values hold
 * no raw control character: limits.ts checks both first). Every quoted value is replaced, so no
 * value of the client's can be mistaken for a placeholder.
 */
export function takeQuotedValuesOut(text: string): QuotedValues {
  const values: string[] = [];
  let out = "";
  let copiedUpTo = 0;
  for (let i = 0; i < text.length; i += 1) {
    if (text.charCodeAt(i) !== QUOTE) continue;
    let end = i + 1;
    while (end < text.length && text.charCodeAt(end) !== QUOTE) end += text.charCodeAt(end) === BACKSLASH ? 2 : 1;
    // An unterminated value is left as it is: the parser reports it.
    if (end >= text.length) break;
    out += `${text.slice(copiedUpTo, i)}"#${values.length}#"`;
    const value = decodeJsonStringBody(text.slice(i + 1, end));
    // Written raw, limits.ts refuses them; written as escapes they appear only now. No store keeps
    // such text, and SQL must not see it (PostgreSQL refuses NUL in text; SQLite stops reading at it).
    if (!isCleanText(value)) throw ScimError.invalidFilter("a quoted value in the filter holds NUL or a lone UTF-16 surrogate (written as a \\u escape)");
    values.push(value);
    copiedUpTo = end + 1;
    i = end;
  }
  out += text.slice(copiedUpTo);
  return { text: out, restore: (filter) => restoreValues(filter, values) };
}

function restoreValues(filter: Filter, values: string[]): Filter {
  switch (filter.op) {
    case "and":
    case "or":
      return { ...filter, filters: filter.filters.map((child) => restoreValues(child, values)) };
    case "not":
      return { ...filter, filter: restoreValues(filter.filter, values) };
    case "[]":
      return { ...filter, valFilter: restoreValues(filter.valFilter, values) };
    case "pr":
      return filter;
    default: {
      const placeholder = typeof filter.compValue === "string" ? PLACEHOLDER.exec(filter.compValue) : null;
      return placeholder ? { ...filter, compValue: values[Number(placeholder[1])] } : filter;
    }
  }
}

const SIMPLE_ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

/**
 * The value of a JSON string's body (the text between its quotes). A backslash that starts no
 * JSON escape (`\j` in an unescaped `CORP\jdoe`) is kept as written, with the character after it:
 * lenient to a client that did not escape, where JSON.parse would refuse the whole filter.
 */
export function decodeJsonStringBody(body: string): string {
  if (!body.includes("\\")) return body;
  let value = "";
  for (let i = 0; i < body.length; i += 1) {
    const c = body[i];
    if (c !== "\\" || i + 1 >= body.length) {
      value += c;
      continue;
    }
    const next = body[i + 1];
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) {
      value += simple;
      i += 1;
    } else if (next === "u" && /^[0-9a-fA-F]{4}$/.test(body.slice(i + 2, i + 6))) {
      value += String.fromCharCode(parseInt(body.slice(i + 2, i + 6), 16));
      i += 5;
    } else {
      value += c;
    }
  }
  return value;
}
