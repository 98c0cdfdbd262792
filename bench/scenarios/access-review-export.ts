import { get, type IncomingMessage } from "node:http";
import type { BenchDatabases } from "../database";
import { onFreshDirectory } from "../fresh-directory";
import { gatherStatistics, seedGroupTree, seedLeafMemberships, seedUsers } from "../seed";
import type { BenchSizes } from "../sizes";
import type { Target } from "./scim";

/** One export of a whole organization, on a directory and a server of its own. */
export interface AccessReviewExportResult {
  users: number;
  /** Lines of the JSON lines file: one per user × account × role. */
  rows: number;
  megabytes: number;
  /** From the request sent to the last byte read. */
  seconds: number;
  rowsPerSecond: number;
  /** The server's VmHWM at the end of its life: it served nothing but this export. */
  peakRssMB: number;
}

type Log = (line: string) => void;

/**
 * The access review export (`GET /exports/access-review`, JSON lines) at both of
 * sizes.exportUsers, each on a fresh directory and server seeded as the big directory is (users,
 * the group tree with its bindings, one leaf group each), one after the other: the peak RSS of
 * each server is its export's, so the two say whether the export's memory grows with the directory.
 */
export async function runAccessReviewExports(databases: BenchDatabases, sizes: BenchSizes, log: Log): Promise<{ small: AccessReviewExportResult; big: AccessReviewExportResult }> {
  const exportAt = async (users: number): Promise<AccessReviewExportResult> => {
    const { result, peakRssMB } = await onFreshDirectory(databases, `access_review_${users}`, async ({ kind, orm, tenant, target }) => {
      log(`▸ access.export: seeding ${users} users, the group tree, memberships and bindings`);
      const userIds = await seedUsers(orm, tenant, 0, users);
      const tree = await seedGroupTree(orm, tenant, { top: sizes.topGroups, midPerTop: sizes.midPerTop, leafPerMid: sizes.leafPerMid });
      await seedLeafMemberships(orm, userIds, tree.leaf);
      await gatherStatistics(orm, kind);
      log(`▸ access.export: GET /exports/access-review at ${users} users, read to the end`);
      const download = await readAccessReview(target, tenant.organizationId);
      log(`  ${download.rows} rows, ${(download.bytes / 1e6).toFixed(1)} MB in ${download.seconds.toFixed(1)} s`);
      return download;
    });
    const { rows, bytes, seconds } = result;
    return { users, rows, megabytes: Math.round(bytes / 1e5) / 10, seconds: Math.round(seconds * 100) / 100, rowsPerSecond: Math.round(rows / seconds), peakRssMB };
  };
  const [smaller, larger] = [...sizes.exportUsers].sort((a, b) => a - b);
  return { small: await exportAt(smaller), big: await exportAt(larger) };
}

/**
 * Downloads the organization's export as JSON lines and counts its lines as the bytes arrive,
 * keeping none of them but the first line (checked for the fields of a record): the bench process
 * holds no more of the file than the server should.
 */
async function readAccessReview(target: Target, organizationId: string): Promise<{ rows: number; bytes: number; seconds: number }> {
  const url = new URL(`/exports/access-review?organizationId=${encodeURIComponent(organizationId)}&format=jsonl`, target.url);
  const started = performance.now();
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    get(url, { headers: { authorization: `Bearer ${target.apiKey}` } }, resolve).on("error", reject);
  });
  if (response.statusCode !== 200) {
    let text = "";
    for await (const chunk of response) text += String(chunk);
    throw new Error(`GET ${url.pathname}: ${response.statusCode} ${text.slice(0, 300)}`);
  }
  let rows = 0;
  let bytes = 0;
  let head = "";
  let lastByte = -1;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    if (rows === 0) head += chunk.toString("utf8");
    bytes += chunk.length;
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) rows += 1;
    if (chunk.length > 0) lastByte = chunk[chunk.length - 1];
  }
  const seconds = (performance.now() - started) / 1000;
  if (rows === 0 || lastByte !== 10) throw new Error(`GET ${url.pathname}: ${rows} lines in ${bytes} bytes, the last one ${lastByte === 10 ? "whole" : "cut short"}`);
  const first = JSON.parse(head.slice(0, head.indexOf("\n"))) as Record<string, unknown>;
  for (const field of ["userId", "accountId", "roleKey", "grants"]) if (!(field in first)) throw new Error(`the export's first record has no ${field}: ${head.slice(0, 300)}`);
  return { rows, bytes, seconds };
}
