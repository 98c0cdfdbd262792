import { caselessGlob } from "../../src/store/sql/filter/caseless-glob";

// SQLite compares lower(value) GLOB pattern: the pattern must hold ASCII lower-cased, each
// non-ASCII letter as a class of its cases, and GLOB's own wildcards as literals.

describe("caselessGlob", () => {
  it.each([
    ["eq", "Müller", "m[üÜ]ller"],
    ["eq", "MÜLLER", "m[Üü]ller"],
    ["sw", "élo", "[éÉ]lo*"],
    ["ew", "ÑO", "*[Ññ]o"],
    ["co", "ärger@x", "*[äÄ]rger@x*"],
    // Final sigma: every case of it.
    ["eq", "ς", "[ςΣσ]"],
    // Wildcards stay literal.
    ["eq", "Ä*?[", "[Ää][*][?][[]"],
  ] as const)("%s %s → %s", (op, operand, pattern) => {
    expect(caselessGlob(op, operand)).toBe(pattern);
  });

  it.each([
    ["eq", "ada@example.com"],
    // No letter with cases: lower() and LIKE already match it.
    ["eq", "日本"],
    ["co", "1–2 €"],
    // ß's upper case is two letters ("SS"): no class can hold it, and lower() keeps ß as it is.
    ["eq", "Straße"],
    ["gt", "Müller"],
    ["le", "Ärger"],
  ] as const)("%s %s → none", (op, operand) => {
    expect(caselessGlob(op, operand)).toBeNull();
  });
});
