import { STATUS_CODES } from "node:http";
import { Readable } from "node:stream";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { MikroORM } from "@mikro-orm/core";
import { authenticateApiKey } from "../domain/authenticate";
import { systemClock, type Clock } from "../domain/clock";
import { DomainError, RateLimited, type DomainErrorCode } from "../domain/errors";
import { openAccessReview } from "../domain/queries/access-review";
import { admitRequest, type RateLimits } from "../domain/rate-limits";
import { bearerCredential } from "../domain/secrets";
import {
  ACCESS_REVIEW_CONTENT_TYPES, ACCESS_REVIEW_FORMATS, accessReviewFileName, accessReviewFormatOf, accessReviewText,
} from "../exports/access-review-format";

export const ACCESS_REVIEW_PATH = "/exports/access-review";

export interface AccessReviewExportOptions {
  orm: MikroORM;
  limits: RateLimits;
  clock?: Clock;
  /** Users read per page (the domain's default unless a test crosses pages with a small one). */
  pageSize?: number;
}

/** Domain error code → HTTP status: the one table for this endpoint. */
const STATUS_BY_CODE: Record<DomainErrorCode, number> = {
  NOT_FOUND: 404,
  INVALID: 400,
  FORBIDDEN: 403,
  UNAUTHENTICATED: 401,
  CONFLICT: 409,
  RATE_LIMITED: 429,
};

/**
 * `GET /exports/access-review?organizationId=…&format=jsonl|csv`: the organization's whole
 * effective access as a download (domain/queries/access-review.ts). Authenticated like /graphql
 * (`Authorization: Bearer <API key>`); it only reads, so a reader key may export what it may
 * query: its organization, or any with a global key. Refusals are answered before anything is
 * streamed, in fastify's `{ error, message, statusCode }` shape; a key of another organization
 * gets the same 404 as an unknown id.
 *
 * The body is a Node Readable over the records, which fastify pipes with backpressure: a page of
 * users is read only when the client has taken what came before, and a client that disconnects
 * destroys the stream, which returns from the generator: no further page is read.
 */
export function registerAccessReviewExport(app: FastifyInstance, options: AccessReviewExportOptions): void {
  app.get(ACCESS_REVIEW_PATH, async (request, reply) => {
    const credential = bearerCredential(request.headers.authorization);
    if (!credential) return refuse(reply, 401, "send an API key: Authorization: Bearer <key>");
    const em = options.orm.em.fork();
    const actor = await authenticateApiKey(em, credential, options.clock);
    if (!actor) return refuse(reply, 401, "the API key is unknown or revoked");

    const query = request.query as Record<string, unknown>;
    const organizationId = query.organizationId;
    if (typeof organizationId !== "string" || organizationId === "") return refuse(reply, 400, "organizationId is required (one organization id)");
    const format = query.format === undefined || typeof query.format === "string" ? accessReviewFormatOf(query.format) : null;
    if (!format) return refuse(reply, 400, `format must be one of ${ACCESS_REVIEW_FORMATS.join(", ")}`);

    try {
      await admitRequest(em, actor, options.limits);
      const review = await openAccessReview(em, actor, organizationId, { pageSize: options.pageSize });
      const now = (options.clock ?? systemClock).now();
      return reply
        .type(ACCESS_REVIEW_CONTENT_TYPES[format])
        .header("content-disposition", `attachment; filename="${accessReviewFileName(review.organizationId, format, now)}"`)
        // Records are read when they are asked for: no proxy should hold them back.
        .header("cache-control", "no-store")
        .send(Readable.from(accessReviewText(review.records, format), { objectMode: false }));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error instanceof RateLimited) reply.header("retry-after", String(error.retryAfterSeconds));
      return refuse(reply, STATUS_BY_CODE[error.code], error.message);
    }
  });
}

function refuse(reply: FastifyReply, status: number, message: string): FastifyReply {
  if (status === 401) reply.header("www-authenticate", 'Bearer realm="idgraph"');
  return reply.code(status).type("application/json; charset=utf-8").send({ error: STATUS_CODES[status], message, statusCode: status });
}
