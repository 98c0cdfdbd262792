import { requireText, validPermissions } from "../../src/domain/validate";

// Names and permissions as the domain takes them: what a client sees refused (BAD_USER_INPUT /
// SCIM 400 invalidValue) and what it sees stored.

describe("requireText (names)", () => {
  it.each([
    ["a line break", "Two\nLines", "U+000A"],
    ["a tab", "a\tb", "U+0009"],
    ["a terminal escape", "Red\u001b[31m", "U+001B"],
    ["a C1 control", "a\u0085b", "U+0085"],
    ["DEL", "a\u007fb", "U+007F"],
    ["a right-to-left override", "evil\u202Etxt.exe", "U+202E"],
    ["a bidirectional isolate", "a\u2067b", "U+2067"],
    ["a zero-width space", "ada\u200b.x", "U+200B"],
    ["a soft hyphen", "ad\u00ada", "U+00AD"],
    ["a byte-order mark inside (trimmed at either end, as JavaScript trims it)", "a\uFEFFda", "U+FEFF"],
  ])("refuses %s, naming it", (_what, name, codePoint) => {
    expect(() => requireText(name, "name")).toThrow(codePoint);
  });

  it.each([
    ["Persian with a zero-width non-joiner", "می\u200Cخواهم"],
    ["an emoji sequence with a zero-width joiner", "Team 👩\u200D💻"],
    ["accents and non-Latin scripts", "Zoë Ωμέγα 日本"],
  ])("keeps %s", (_what, name) => {
    expect(requireText(name, "name")).toBe(name);
  });

  it("trims, then refuses blank and overlong names", () => {
    expect(requireText("  Ada  ", "name")).toBe("Ada");
    expect(() => requireText("   ", "name")).toThrow("blank");
    expect(() => requireText("x".repeat(513), "name")).toThrow("at most 512");
  });
});

describe("validPermissions", () => {
  it("trims, dedupes and sorts", () => {
    expect(validPermissions([" b.write", "a.read", "b.write"])).toEqual(["a.read", "b.write"]);
  });

  it("refuses null, too many and too long, before the pattern", () => {
    expect(() => validPermissions(null)).toThrow("must be a list");
    expect(() => validPermissions(Array.from({ length: 1001 }, (_, i) => `a.p${i}`))).toThrow("at most 1000");
    expect(validPermissions(Array.from({ length: 1000 }, (_, i) => `a.p${i}`))).toHaveLength(1000);
    expect(() => validPermissions([`a.${"x".repeat(255)}`])).toThrow("at most 256");
    expect(() => validPermissions(["not a permission"])).toThrow('"not a permission"');
  });
});
