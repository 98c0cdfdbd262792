import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import type { MikroORM } from "@mikro-orm/core";
import type { Config } from "../config";
import { WebhookDispatcher, type AttemptObserver } from "../delivery/dispatcher";
import { WorkerSender } from "../delivery/worker-sender";
import type { WebhookSettings } from "../domain/webhooks/settings";
import { parseSecretKey } from "../domain/webhooks/signing-secrets";

/** The key file an embedded (SQLite) server makes beside its database when WEBHOOK_SECRET_KEY is unset. */
export const SQLITE_KEY_FILE = "webhook-secret.key";

/** WebhookSettings from the configuration. */
export function webhookSettings(config: Config): WebhookSettings {
  const events = config.events;
  return {
    secretKey: secretKeyOf(config),
    urlPolicy: { allowPrivateNetworks: events.allowPrivateNetworks, allowHttp: events.allowHttp },
    retry: { baseDelayMs: events.retryBaseMs, maxDelayMs: events.retryMaxMs, windowMs: events.retryWindowHours * 3_600_000 },
    disableAfterFailures: events.disableAfterFailures,
  };
}

/**
 * The key sealing signing secrets: WEBHOOK_SECRET_KEY when set. An embedded server on SQLite, with
 * no key given, keeps one in a file beside its database (made once, readable by its owner only),
 * so `npm start` needs no setup. On PostgreSQL every process of a fleet must seal and open with the
 * same key, so the key must be given; until it is, endpoints cannot be made.
 */
function secretKeyOf(config: Config): Buffer | null {
  if (config.events.secretKey) return parseSecretKey(config.events.secretKey);
  if (config.database.kind !== "sqlite") return null;
  const file = join(dirname(config.database.path), SQLITE_KEY_FILE);
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    // "wx": of two processes starting at once on one file, one writes the key and the other reads it.
    try {
      writeFileSync(file, randomBytes(32).toString("base64") + "\n", { mode: 0o600, flag: "wx" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    chmodSync(file, 0o600);
  }
  return parseSecretKey(readFileSync(file, "utf8"));
}

/** This process's dispatcher, started; or null when WEBHOOK_DISPATCH=false. */
export function startDispatcher(
  orm: MikroORM, config: Config, settings: WebhookSettings, log: { error(message: string): void }, onAttempt?: AttemptObserver,
): WebhookDispatcher | null {
  if (!config.events.dispatch) return null;
  const events = config.events;
  const sender = new WorkerSender({
    allowPrivateNetworks: events.allowPrivateNetworks,
    connectTimeoutMs: events.connectTimeoutMs,
    responseTimeoutMs: events.responseTimeoutMs,
    maxResponseBytes: 64 * 1024,
  });
  const dispatcher = new WebhookDispatcher(orm, settings, sender, {
    pollMs: events.pollMs,
    concurrency: events.concurrency,
    // An attempt ends by its timeouts; the lease outlasts it with room to record the outcome.
    leaseMs: 2 * (events.connectTimeoutMs + events.responseTimeoutMs) + 5_000,
    retentionMs: events.retentionDays * 86_400_000,
    log,
    onAttempt,
  });
  dispatcher.start();
  return dispatcher;
}
