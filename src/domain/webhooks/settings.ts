import type { RetrySchedule } from "./retry-schedule";
import type { WebhookUrlPolicy } from "./url-policy";

/** How this server makes, signs and retries webhook deliveries (config.ts reads them). */
export interface WebhookSettings {
  /** Seals signing secrets at rest; null when none is configured, and then no endpoint can be made. */
  secretKey: Buffer | null;
  urlPolicy: WebhookUrlPolicy;
  retry: RetrySchedule;
  /** Failed attempts in a row after which the server disables an endpoint. */
  disableAfterFailures: number;
}

/** How long a rotated-out secret keeps signing beside the new one, unless the rotation says otherwise. */
export const DEFAULT_ROTATION_OVERLAP_SECONDS = 24 * 3600;
