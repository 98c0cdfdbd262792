import { createWriteStream } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import { loadConfig } from "../config";
import { CLI_ACTOR } from "../domain/actor";
import { openAccessReview } from "../domain/queries/access-review";
import { ACCESS_REVIEW_FORMATS, accessReviewFormatOf, accessReviewText } from "../exports/access-review-format";
import { migrateToLatest, openOrm } from "../store/orm";

export const ACCESS_REVIEW_USAGE = `access-review --organization ORG_ID [--format jsonl|csv] [--output FILE]
                                write the organization's whole effective access (one record per
                                user × account × role, with provenance) to FILE or stdout`;

/**
 * `idgraph access-review`: the same file GET /exports/access-review serves, byte for byte, for an
 * operator on the database's machine (the CLI sees every organization). Piped as it is read, with
 * backpressure (a page of users is read when the output has taken the last), so memory stays flat.
 */
export async function accessReviewCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { organization: { type: "string" }, format: { type: "string" }, output: { type: "string" } } });
  if (!values.organization) throw new Error("--organization is required");
  const format = accessReviewFormatOf(values.format);
  if (!format) throw new Error(`--format must be one of ${ACCESS_REVIEW_FORMATS.join(", ")}`);

  const orm = await openOrm(loadConfig().database);
  try {
    await migrateToLatest(orm);
    // Opened before the output file, so an unknown organization leaves no empty file behind.
    const review = await openAccessReview(orm.em.fork(), CLI_ACTOR, values.organization);
    const text = Readable.from(accessReviewText(review.records, format), { objectMode: false });
    // stdout stays open for whatever the shell pipes next; a file is closed when complete.
    if (values.output) await pipeline(text, createWriteStream(values.output));
    else await pipeline(text, process.stdout, { end: false });
  } finally {
    await orm.close(true);
  }
}
