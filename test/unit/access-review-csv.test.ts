import fc from "fast-check";
import { csvField, csvRecord, spreadsheetText } from "../../src/exports/csv";
import { csvLine, jsonLine, provenanceOf } from "../../src/exports/access-review-format";
import type { AccessReviewRecord } from "../../src/domain/queries/access-review";

/** A reader written from RFC 4180 §2, to prove what csvRecord writes reads back as the same fields. */
function parseRecords(text: string): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  let i = 0;
  while (i < text.length) {
    let field = "";
    if (text[i] === '"') {
      i += 1;
      for (;;) {
        if (text[i] === '"' && text[i + 1] === '"') { field += '"'; i += 2; }
        else if (text[i] === '"') { i += 1; break; }
        else if (i >= text.length) throw new Error("unterminated quoted field");
        else { field += text[i]; i += 1; }
      }
    } else {
      while (i < text.length && text[i] !== "," && text[i] !== "\r") {
        if (text[i] === '"' || text[i] === "\n") throw new Error(`bare ${JSON.stringify(text[i])} in an unquoted field`);
        field += text[i];
        i += 1;
      }
    }
    fields.push(field);
    if (text[i] === ",") i += 1;
    else if (text.startsWith("\r\n", i)) { records.push(fields); fields = []; i += 2; }
    else throw new Error(`unexpected ${JSON.stringify(text[i])} at ${i}`);
  }
  return records;
}

describe("CSV as RFC 4180 writes it", () => {
  it("leaves plain text alone, spaces included", () => {
    expect(csvField("ada@acme.test")).toBe("ada@acme.test");
    expect(csvField("  padded ")).toBe("  padded ");
    expect(csvField("")).toBe("");
  });

  it("quotes a field with a comma, a quote, a CR or an LF, doubling the quotes inside", () => {
    expect(csvField("Prod, EU")).toBe('"Prod, EU"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("cr\rhere")).toBe('"cr\rhere"');
  });

  it("makes a value a spreadsheet would run as a formula show as text", () => {
    expect(csvField('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    for (const value of ["+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]) expect(csvField(value).replace(/^"/, "")).toMatch(/^'/);
    expect(csvField("a=b")).toBe("a=b");
    expect(csvField("ada-lovelace")).toBe("ada-lovelace");
  });

  it("ends each record with CRLF", () => {
    expect(csvRecord(["a", "b,c", ""])).toBe('a,"b,c",\r\n');
  });

  it("reads back as the same fields, whatever they hold", () => {
    const field = fc.string({ unit: fc.constantFrom("a", "é", " ", ",", '"', "\r", "\n", "\u2028", "=", "-", "@") });
    fc.assert(fc.property(fc.array(fc.array(field, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 5 }), (records) => {
      expect(parseRecords(records.map(csvRecord).join(""))).toEqual(records.map((fields) => fields.map(spreadsheetText)));
    }));
  });
});

describe("access review lines", () => {
  const record: AccessReviewRecord = {
    user: { id: "u1", userName: "ada@acme.test" },
    account: { id: "a1", name: 'Prod, "EU"' },
    role: { id: "r1", key: "payments", name: "Payments, admin", permissions: ["payments.*"] },
    grants: [
      { kind: "DIRECT", bindingId: "b1", scope: "ACCOUNT" },
      { kind: "GROUP", bindingId: "b2", scope: "ORGANIZATION", groupChain: ["g1", "g2"], groupNames: ["SRE", "Platform"] },
      { kind: "MAPPING", mappingId: "m1", idpValue: 'Finance "Approver"', scope: "ORGANIZATION" },
      { kind: "DEFAULT" },
    ],
  };

  it("spells each kind of grant for a person to read", () => {
    expect(record.grants.map(provenanceOf)).toEqual([
      "DIRECT via binding b1 [account]",
      "GROUP SRE>Platform via binding b2 [organization]",
      'MAPPING "Finance \\"Approver\\"" (m1) [organization]',
      "DEFAULT role",
    ]);
  });

  it("writes one CSV record with the kinds and the provenance, quoted where needed", () => {
    const [fields] = parseRecords(csvLine(record));
    expect(fields).toEqual([
      "u1", "ada@acme.test", "a1", 'Prod, "EU"', "r1", "payments", "Payments, admin", "DIRECT|GROUP|MAPPING|DEFAULT",
      'DIRECT via binding b1 [account]; GROUP SRE>Platform via binding b2 [organization]; MAPPING "Finance \\"Approver\\"" (m1) [organization]; DEFAULT role',
    ]);
  });

  it("writes one JSON line where every grant has every key", () => {
    const line = jsonLine(record);
    expect(line.endsWith("\n")).toBe(true);
    expect(line.indexOf("\n")).toBe(line.length - 1);
    expect(JSON.parse(line)).toEqual({
      userId: "u1", userName: "ada@acme.test", accountId: "a1", accountName: 'Prod, "EU"', roleId: "r1", roleKey: "payments", roleName: "Payments, admin",
      grants: [
        { kind: "DIRECT", scope: "ACCOUNT", bindingId: "b1", groupIds: [], mappingId: null, idpValue: null },
        { kind: "GROUP", scope: "ORGANIZATION", bindingId: "b2", groupIds: ["g1", "g2"], mappingId: null, idpValue: null },
        { kind: "MAPPING", scope: "ORGANIZATION", bindingId: null, groupIds: [], mappingId: "m1", idpValue: 'Finance "Approver"' },
        { kind: "DEFAULT", scope: null, bindingId: null, groupIds: [], mappingId: null, idpValue: null },
      ],
    });
  });
});
