import { Migration } from '@mikro-orm/migrations';

/**
 * Claims pass over a delivery while an earlier one of its key is pending. On PostgreSQL, with
 * statistics taken before a burst of creates, the probe for that earlier delivery read every
 * pending delivery of the endpoint for each candidate (tens of thousands of rows a round). It
 * reads the key's pending deliveries now, through an index that holds nothing else.
 */
export class Migration20261202090000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`drop index "webhook_delivery_endpoint_order_index";`);
    this.addSql(`create index webhook_delivery_pending_order_index on webhook_delivery (endpoint_id, ordering_key, event_position) where status = 'pending';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "webhook_delivery_pending_order_index";`);
    this.addSql(`create index "webhook_delivery_endpoint_order_index" on "webhook_delivery" ("endpoint_id", "ordering_key", "event_position");`);
  }

}
