/** Text checks shared by the generators and the answer checks. */

/** True when a string holds a NUL or an unpaired UTF-16 surrogate: text no directory should store. */
export function isIllFormedText(text: string): boolean {
  return /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

/** Every string in a JSON value, keys included. */
export function stringsIn(value: unknown): string[] {
  const found: string[] = [];
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current === "string") found.push(current);
    else if (Array.isArray(current)) stack.push(...current);
    else if (current !== null && typeof current === "object") {
      for (const [key, child] of Object.entries(current)) {
        found.push(key);
        stack.push(child);
      }
    }
  }
  return found;
}
