import { VersionMismatch } from "../../domain/versions";

/**
 * PATCH reads the resource, applies the operations and writes the result with the version it
 * read, so a concurrent change is never overwritten (the lost-update bug of fleetdm/fleet #50724).
 * When the client sent no If-Match, a conflict is retried on a fresh read; with If-Match, it is
 * the client's 412.
 */
export async function withFreshRead<T>(ifVersion: number | undefined, attempt: (expectedVersion: (current: number) => number) => Promise<T>): Promise<T> {
  for (let tries = 0; ; tries += 1) {
    try {
      return await attempt((current) => ifVersion ?? current);
    } catch (error) {
      if (!(error instanceof VersionMismatch) || ifVersion !== undefined || tries >= 2) throw error;
    }
  }
}
