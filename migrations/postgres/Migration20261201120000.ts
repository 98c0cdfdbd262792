import { Migration } from '@mikro-orm/migrations';

/**
 * Dispatchers claim each endpoint's earliest pending deliveries in turn (a backlog of one endpoint
 * no longer holds back another's): the pending deliveries of one endpoint in position order are
 * one range of this index.
 */
export class Migration20261201120000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`drop index "webhook_delivery_status_position_index";`);
    this.addSql(`create index "webhook_delivery_status_endpoint_position_index" on "webhook_delivery" ("status", "endpoint_id", "event_position");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "webhook_delivery_status_endpoint_position_index";`);
    this.addSql(`create index "webhook_delivery_status_position_index" on "webhook_delivery" ("status", "event_position");`);
  }

}
