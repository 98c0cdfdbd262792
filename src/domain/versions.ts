import { DomainError } from "./errors";

/** Optimistic concurrency: the caller saw `expected`; refuse when the row moved on (SCIM If-Match → 412). */
export class VersionMismatch extends DomainError {
  constructor(readonly current: number) {
    super("CONFLICT", `the resource has changed (now version ${current}); read it again and retry`);
  }
}

export function assertVersion(current: number, expected: number | undefined): void {
  if (expected !== undefined && expected !== current) throw new VersionMismatch(current);
}
