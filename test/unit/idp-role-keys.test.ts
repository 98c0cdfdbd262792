import { foldName } from "../../src/access/names";
import { idpRoleKeysOf } from "../../src/domain/user-attributes";

/**
 * User.idpRoleKeys is what the store matches role mappings against in SQL (whoCan): it must fold
 * exactly as resolution folds a mapping's value and a user's value (foldName), or whoCan and can
 * would disagree on the users whose values differ from the mapping's only in case or Unicode form.
 */
describe("idpRoleKeysOf", () => {
  it("folds each value as foldName does: trimmed, NFC, lower-cased; no repeats; sorted", () => {
    expect(idpRoleKeysOf([{ value: " ÉDITEUR" }, { value: "e\u0301diteur" }, { value: "Admin" }, { value: "admin" }])).toEqual(["admin", "éditeur"]);
    for (const value of ["Straße", "İstanbul", "ǅ", "Ω", "ﬁle", "A\u030A"]) expect(idpRoleKeysOf([{ value }])).toEqual([foldName(value)]);
  });

  it("is null when there is no value: none, blank, not a string, not a list", () => {
    expect(idpRoleKeysOf([])).toBeNull();
    expect(idpRoleKeysOf(null)).toBeNull();
    expect(idpRoleKeysOf(undefined)).toBeNull();
    expect(idpRoleKeysOf([{ value: "  " }, { display: "x" } as never, { value: 7 } as never])).toBeNull();
    expect(idpRoleKeysOf("admin" as never)).toBeNull();
  });
});
