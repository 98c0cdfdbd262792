import { sameJson } from "../../src/domain/same-value";

// A command skips an attribute (no write, no audit entry) when sameJson says it is unchanged:
// a wrong "same" loses a change, a wrong "different" writes an audit entry for nothing.

describe("sameJson", () => {
  it.each([
    ["null and null", null, null],
    ["equal strings", "ada@example.com", "ada@example.com"],
    ["equal booleans", false, false],
    ["two empty lists", [], []],
    ["equal lists", [{ value: "a", primary: true }], [{ value: "a", primary: true }]],
    ["equal objects", { employeeNumber: "7" }, { employeeNumber: "7" }],
    // As PostgreSQL's jsonb gives them back: its own key order, shorter keys first.
    ["objects with keys in another order", { value: "a@x.test", type: "work", primary: true }, { type: "work", value: "a@x.test", primary: true }],
    ["lists of objects with keys in another order", [{ department: "R&D", manager: { value: "m" } }], [{ manager: { value: "m" }, department: "R&D" }]],
    ["an object and one with an undefined key", { value: "a" }, { value: "a", display: undefined }],
  ])("%s are the same", (_what, stored, value) => {
    expect(sameJson(stored, value)).toBe(true);
  });

  it.each([
    ["null and a string", null, "a"],
    ["a string and null", "a", null],
    ["strings in another case", "Ada", "ada"],
    ["true and false", true, false],
    ["null and an empty list", null, []],
    ["an empty list and null", [], null],
    ["an empty list and a list", [], [{ value: "a" }]],
    ["lists in another order", [{ value: "a" }, { value: "b" }], [{ value: "b" }, { value: "a" }]],
    ["an empty list and an empty object", [], {}],
    ["objects with another value", { employeeNumber: "7" }, { employeeNumber: "8" }],
    ["a string and a list holding it", "a", ["a"]],
    ["an object with a key more", { value: "a" }, { value: "a", type: "work" }],
    ["an object with a null key and one without it", { value: "a", type: null }, { value: "a" }],
    ["nested objects with another value", { manager: { value: "m" } }, { manager: { value: "n" } }],
    ["lists of another length", [{ value: "a" }], [{ value: "a" }, { value: "a" }]],
    ["a list and an object with index keys", ["a"], { 0: "a" }],
  ])("%s differ", (_what, stored, value) => {
    expect(sameJson(stored, value)).toBe(false);
  });
});
