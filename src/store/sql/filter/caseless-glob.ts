import type { CompareOp, SubstringOp } from "../../../domain/ports/filter";

/**
 * A SQLite GLOB pattern that matches `lower(value)` when the value equals the operand (or starts
 * with, ends with or contains it) ignoring case, non-ASCII letters included. SQLite's lower() and
 * LIKE fold ASCII only, so "MÜLLER" lowers to "mÜller" and `lower(?)` of "müller" never meets it;
 * GLOB is case-sensitive and reads UTF-8, so each non-ASCII letter becomes a class of its cases
 * (`m[üÜ]ller`) while ASCII letters are lower-cased, as lower() leaves the value's. Null when the
 * operand has no such letter (lower() and LIKE already do the job) or the comparison orders
 * rather than matches (gt, lt…).
 */
export function caselessGlob(op: CompareOp | SubstringOp, operand: string): string | null {
  if (op !== "eq" && op !== "co" && op !== "sw" && op !== "ew") return null;
  let pattern = "";
  let folded = false;
  for (const char of operand) {
    if (char.charCodeAt(0) < 0x80) {
      pattern += escapeGlob(char.toLowerCase());
      continue;
    }
    const cases = casesOf(char);
    folded ||= cases.length > 1;
    pattern += cases.length > 1 ? `[${cases.join("")}]` : char;
  }
  if (!folded) return null;
  return `${op === "co" || op === "ew" ? "*" : ""}${pattern}${op === "co" || op === "sw" ? "*" : ""}`;
}

/** The character in every case that is one code point too (ß's upper case "SS" is not: ß stays ß). */
function casesOf(char: string): string[] {
  const lower = char.toLowerCase();
  const upper = char.toUpperCase();
  const variants = new Set([char, lower, upper, upper.toLowerCase(), lower.toUpperCase()]);
  return [...variants].filter((variant) => [...variant].length === 1);
}

/** GLOB's wildcards, taken literally by putting each in a class of its own. */
function escapeGlob(char: string): string {
  return char === "*" || char === "?" || char === "[" ? `[${char}]` : char;
}
