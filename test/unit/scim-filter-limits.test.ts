import { ScimError } from "../../src/scim/errors";
import { compileFilter, compileSortBy } from "../../src/scim/filter/compile";
import {
  MAX_ATTRIBUTE_PATH_LENGTH, MAX_FILTER_CLAUSES, MAX_FILTER_LENGTH, MAX_FILTER_NESTING, MAX_FILTER_VALUE_LENGTH, MAX_PROJECTION_PATHS,
} from "../../src/scim/filter/limits";
import { parseProjection } from "../../src/scim/projection";
import { GROUP_SCHEMA, RESOURCE_SCHEMAS, schemaAttributes, USER_SCHEMA } from "../../src/scim/schema";
import { renderFilter, SQLITE_FILTER_SQL } from "../../src/store/sql/filter";

const { User } = RESOURCE_SCHEMAS;
/** A user filter as the SQLite store runs it: the limits exist for the SQL it becomes. */
const userFilter = (filter: string) => renderFilter(compileFilter(filter, User), "User", "e0", SQLITE_FILTER_SQL);

/** The ScimError a call throws (or a failure saying it did not throw one). */
function scimErrorOf(call: () => unknown): ScimError {
  try {
    call();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error("expected a ScimError");
}

/** Runs `call` and returns how long it took, in milliseconds. */
function timed(call: () => unknown): number {
  const started = Date.now();
  call();
  return Date.now() - started;
}

const ors = (count: number, clause: (i: number) => string) => Array.from({ length: count }, (_, i) => clause(i)).join(" or ");
/** `userName eq "a1" and (userName eq "a2" or (…))`: `levels` nested operators, with `bottom` innermost. */
const nested = (levels: number, bottom: string): string =>
  levels === 0 ? bottom : `userName eq "a${levels}" ${levels % 2 ? "and" : "or"} (${nested(levels - 1, bottom)})`;

describe("SCIM filter limits: a filter too large to run is the client's error", () => {
  it(`counts comparisons, inside value paths too, up to MAX_FILTER_CLAUSES (${MAX_FILTER_CLAUSES})`, () => {
    expect(userFilter(ors(MAX_FILTER_CLAUSES, (i) => `id eq "${i}"`)).params).toHaveLength(MAX_FILTER_CLAUSES);
    for (const filter of [
      ors(MAX_FILTER_CLAUSES + 1, (i) => `id eq "${i}"`),
      `emails[${ors(MAX_FILTER_CLAUSES + 1, (i) => `value eq "${i}"`)}]`,
      `userName pr and emails[${ors(MAX_FILTER_CLAUSES, (i) => `value eq "${i}"`)}]`,
    ]) {
      const error = scimErrorOf(() => userFilter(filter));
      expect(error).toMatchObject({ status: 400, scimType: "invalidFilter" });
      expect(error.message).toContain(`more than ${MAX_FILTER_CLAUSES} comparisons (MAX_FILTER_CLAUSES)`);
    }
  });

  it(`bounds each compared value at MAX_FILTER_VALUE_LENGTH (${MAX_FILTER_VALUE_LENGTH}) characters, far inside SQLite's LIKE limit`, () => {
    expect(userFilter(`userName co "${"%".repeat(MAX_FILTER_VALUE_LENGTH)}"`).params).toHaveLength(1);
    for (const attribute of ["userName", "externalId", "emails.value"]) {
      const error = scimErrorOf(() => userFilter(`${attribute} co "${"a".repeat(MAX_FILTER_VALUE_LENGTH + 1)}"`));
      expect(error).toMatchObject({ status: 400, scimType: "invalidFilter" });
      expect(error.message).toContain("MAX_FILTER_VALUE_LENGTH");
    }
  });

  it(`bounds the filter text at MAX_FILTER_LENGTH (${MAX_FILTER_LENGTH}) characters`, () => {
    const error = scimErrorOf(() => userFilter(`userName co "${"a".repeat(100 * 1024)}"`));
    expect(error).toMatchObject({ status: 400, scimType: "invalidFilter" });
    expect(error.message).toContain("MAX_FILTER_LENGTH");
  });

  it(`nests at most MAX_FILTER_NESTING (${MAX_FILTER_NESTING}) levels, in the text and in the tree`, () => {
    expect(() => userFilter(nested(MAX_FILTER_NESTING - 2, 'emails[type eq "work" and value co "x"]'))).not.toThrow();
    expect(() => userFilter(`${"(".repeat(MAX_FILTER_NESTING)}userName pr${")".repeat(MAX_FILTER_NESTING)}`)).not.toThrow();
    for (const filter of [
      nested(MAX_FILTER_NESTING + 1, "userName pr"),
      `${"(".repeat(MAX_FILTER_NESTING + 1)}userName pr${")".repeat(MAX_FILTER_NESTING + 1)}`,
      `${"not (".repeat(MAX_FILTER_NESTING + 1)}userName pr${")".repeat(MAX_FILTER_NESTING + 1)}`,
      `${"not ".repeat(MAX_FILTER_NESTING + 1)}userName pr`,
    ]) {
      const error = scimErrorOf(() => userFilter(filter));
      expect(error).toMatchObject({ status: 400, scimType: "invalidFilter" });
      expect(error.message).toContain("MAX_FILTER_NESTING");
    }
  });

  it("answers 10,000 nested parentheses or nots with invalidFilter, before the parser can overflow its stack", () => {
    for (const filter of [
      `${"(".repeat(10_000)}userName pr${")".repeat(10_000)}`,
      `${"not(".repeat(10_000)}userName pr${")".repeat(10_000)}`,
      `${"not(".repeat(3_000)}userName pr${")".repeat(3_000)}`,
      `${"not ".repeat(4_000)}userName pr`,
      `${"[".repeat(5_000)}`,
    ]) {
      const error = scimErrorOf(() => userFilter(filter));
      expect(error).toMatchObject({ status: 400, scimType: "invalidFilter" });
      expect(error.message).not.toMatch(/call stack/i);
    }
  });

  // 28 line feeds cost the unguarded parser seconds; each one more doubles it.
  it("refuses raw control characters in a quoted value at once (the parser's string pattern backtracks exponentially on raw line feeds)", () => {
    let error: ScimError | undefined;
    expect(timed(() => (error = scimErrorOf(() => userFilter(`userName eq "${"\n".repeat(28)}`))))).toBeLessThan(1_000);
    expect(error).toMatchObject({ status: 400, scimType: "invalidFilter" });
    expect(error?.message).toContain("control character");
    // Escaped they are ordinary values; outside quotes they are whitespace.
    expect(() => userFilter('title eq "a\\nb"')).not.toThrow();
    expect(userFilter('userName eq "x"\nand\tactive eq true').params).toEqual(["x", 1]);
  });

  it("scans quoted values in linear time (no quadratic pre-check on unterminated escapes)", () => {
    expect(timed(() => scimErrorOf(() => userFilter(`userName eq "${'\\"'.repeat(8_000)}`)))).toBeLessThan(200);
  });

  it("still refuses a PATCH path as a filter, but not brackets and dots inside a quoted value", () => {
    expect(scimErrorOf(() => userFilter('emails[type eq "work"].value co "x"')).scimType).toBe("invalidFilter");
    expect(userFilter('emails[value eq "a].b"]').params).toEqual(["a].b"]);
  });

  it("keeps the parser's message short when it quotes the rest of a long filter", () => {
    const error = scimErrorOf(() => userFilter(`userName eq "x" ${"?".repeat(10_000)}`));
    expect(error.scimType).toBe("invalidFilter");
    expect(error.message.length).toBeLessThan(400);
  });
});

describe("sortBy and attributes limits", () => {
  it(`bounds sortBy at MAX_ATTRIBUTE_PATH_LENGTH (${MAX_ATTRIBUTE_PATH_LENGTH}) characters`, () => {
    const error = scimErrorOf(() => compileSortBy("a".repeat(MAX_ATTRIBUTE_PATH_LENGTH + 1), User));
    expect(error).toMatchObject({ status: 400, scimType: "invalidFilter" });
    expect(error.message).toContain("MAX_ATTRIBUTE_PATH_LENGTH");
  });

  it(`bounds attributes and excludedAttributes at MAX_PROJECTION_PATHS (${MAX_PROJECTION_PATHS}) paths of MAX_ATTRIBUTE_PATH_LENGTH characters`, () => {
    expect(() => parseProjection(User, Array.from({ length: MAX_PROJECTION_PATHS }, () => "userName").join(","))).not.toThrow();
    const tooMany = Array.from({ length: MAX_PROJECTION_PATHS + 1 }, () => "userName");
    expect(scimErrorOf(() => parseProjection(User, tooMany.join(",")))).toMatchObject({ status: 400, scimType: "invalidValue" });
    expect(scimErrorOf(() => parseProjection(User, undefined, tooMany)).message).toContain("MAX_PROJECTION_PATHS");
    expect(scimErrorOf(() => parseProjection(User, "x".repeat(MAX_ATTRIBUTE_PATH_LENGTH + 1))).message).toContain("MAX_ATTRIBUTE_PATH_LENGTH");
  });
});

describe("externalId listed in the schema documents", () => {
  it.each([USER_SCHEMA, GROUP_SCHEMA])("%s has one externalId, caseExact and readWrite, as the common attribute", (urn) => {
    const found = schemaAttributes(urn).filter((a) => a.name.toLowerCase() === "externalid");
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ type: "string", multiValued: false, caseExact: true, mutability: "readWrite", returned: "default", uniqueness: "none" });
  });

  it("filters on externalId as before: a plain, case-sensitive comparison", () => {
    expect(userFilter('externalId eq "ExtAda"')).toEqual({ sql: "e0.external_id = ?", params: ["ExtAda"] });
  });
});
