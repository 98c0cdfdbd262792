import { randomBytes } from "node:crypto";
import type { MikroORM } from "@mikro-orm/core";
import type { AttemptSender } from "../../src/delivery/attempt-sender";
import { WebhookDispatcher } from "../../src/delivery/dispatcher";
import { DEFAULT_RETRY_SCHEDULE } from "../../src/domain/webhooks/retry-schedule";

/**
 * A webhook dispatcher of the test's own on the test server's database, started, whose every
 * attempt "delivers" without sending anything (204): for tests of what its rounds do to the
 * database (sequencing, claims), not of delivery. The caller stops it.
 */
export function startQuietDispatcher(orm: MikroORM, options: { fullPassMs: number }): WebhookDispatcher {
  const sender: AttemptSender = { send: async () => ({ status: 204, body: "", durationMs: 0, error: null }), close: async () => {} };
  const settings = { secretKey: randomBytes(32), urlPolicy: { allowPrivateNetworks: true, allowHttp: true }, retry: DEFAULT_RETRY_SCHEDULE, disableAfterFailures: 50 };
  const dispatcher = new WebhookDispatcher(orm, settings, sender, {
    pollMs: 50, fullPassMs: options.fullPassMs, concurrency: 1, leaseMs: 60_000, retentionMs: 86_400_000, log: { error: () => {} },
  });
  dispatcher.start();
  return dispatcher;
}
