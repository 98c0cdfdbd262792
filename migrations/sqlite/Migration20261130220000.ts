import { Migration } from '@mikro-orm/migrations';

/**
 * SQLite has one writer, so the order in which events are inserted is the order in which they
 * commit: an event can take its feed position, and its webhook deliveries can be made, in the
 * transaction that writes it. A trigger does it for every writer of audit_event (group-committed
 * creates, the ORM's flushes, access.changed in bulk), so the dispatcher no longer runs a
 * sequencing transaction of its own, which held the writer while commands waited.
 * PostgreSQL keeps sequencing after commit: its writers commit in any order.
 */
export class Migration20261130220000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create trigger \`audit_event_sequence\` after insert on \`audit_event\` when new.\`position\` is null begin
      update \`event_sequence\` set \`last_position\` = \`last_position\` + 1 where \`name\` = 'events';
      update \`audit_event\` set \`position\` = (select \`last_position\` from \`event_sequence\` where \`name\` = 'events') where rowid = new.rowid;
      insert into \`webhook_delivery\` (\`id\`, \`endpoint_id\`, \`event_id\`, \`event_position\`, \`event_type\`, \`ordering_key\`, \`status\`, \`attempts\`, \`next_attempt_at\`, \`attempt_log\`, \`created_at\`)
      select w.\`id\` || ':' || new.\`id\`, w.\`id\`, new.\`id\`, (select \`last_position\` from \`event_sequence\` where \`name\` = 'events'), new.\`type\`, new.\`target_id\`, 'pending', 0, new.\`created_at\`, '[]', new.\`created_at\`
      from \`webhook_endpoint\` w
      where w.\`organization_id\` = new.\`organization_id\` and w.\`enabled\`
        and (w.\`event_types\` is null or exists (select 1 from json_each(w.\`event_types\`) t where t.\`value\` = new.\`type\`));
    end;`);
    // The (endpoint_id, event_position) index serves the foreign key: one index less to write per delivery.
    this.addSql(`drop index \`webhook_delivery_endpoint_id_index\`;`);
  }

  override async down(): Promise<void> {
    this.addSql(`create index \`webhook_delivery_endpoint_id_index\` on \`webhook_delivery\` (\`endpoint_id\`);`);
    this.addSql(`drop trigger \`audit_event_sequence\`;`);
  }

}
