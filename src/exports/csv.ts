/**
 * CSV as RFC 4180 writes it (no CSV package is installed, and writing is the easy half): fields
 * separated by commas, records ended by CRLF, and a field that holds a comma, a double quote, a
 * CR or an LF enclosed in double quotes, each double quote inside doubled (§2, rules 5–7).
 * Spaces are part of a field (§2 rule 4). One change to the text itself: spreadsheetText.
 */
export function csvField(value: string): string {
  const text = spreadsheetText(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * A value a spreadsheet would run as a formula (it starts with =, +, -, @, a tab or a CR: OWASP's
 * "CSV injection"), prefixed with an apostrophe so the cell shows it as text. User names and
 * display names come from identity providers and admins: an auditor opening the review must not
 * run `=HYPERLINK(…)` someone put there. The JSON lines export carries every value unchanged.
 */
export function spreadsheetText(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** One record, its line break included. */
export function csvRecord(fields: string[]): string {
  return `${fields.map(csvField).join(",")}\r\n`;
}
