import { Migration } from '@mikro-orm/migrations';

export class Migration20261130150937 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`event_sequence\` (\`name\` text not null, \`last_position\` bigint not null default 0, primary key (\`name\`));`);

    this.addSql(`create table \`webhook_endpoint\` (\`id\` text not null, \`organization_id\` text not null, \`url\` text not null, \`description\` text null, \`event_types\` json null, \`enabled\` integer not null default true, \`disabled_reason\` text null, \`sealed_secret\` text not null, \`previous_sealed_secret\` text null, \`previous_secret_expires_at\` datetime null, \`consecutive_failures\` integer not null default 0, \`version\` integer not null default 1, \`created_at\` datetime not null, \`updated_at\` datetime not null, constraint \`webhook_endpoint_organization_id_foreign\` foreign key(\`organization_id\`) references \`organization\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`webhook_endpoint_organization_id_index\` on \`webhook_endpoint\` (\`organization_id\`);`);

    this.addSql(`create table \`webhook_delivery\` (\`id\` text not null, \`endpoint_id\` text not null, \`event_id\` text not null, \`event_position\` bigint not null, \`event_type\` text not null, \`ordering_key\` text null, \`status\` text not null default 'pending', \`attempts\` integer not null default 0, \`next_attempt_at\` datetime not null, \`first_attempt_at\` datetime null, \`last_attempt_at\` datetime null, \`lease_owner\` text null, \`lease_until\` datetime null, \`last_status\` integer null, \`last_error\` text null, \`attempt_log\` json not null, \`delivered_at\` datetime null, \`created_at\` datetime not null, constraint \`webhook_delivery_endpoint_id_foreign\` foreign key(\`endpoint_id\`) references \`webhook_endpoint\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`webhook_delivery_endpoint_id_index\` on \`webhook_delivery\` (\`endpoint_id\`);`);
    this.addSql(`create index \`webhook_delivery_endpoint_position_index\` on \`webhook_delivery\` (\`endpoint_id\`, \`event_position\`);`);
    this.addSql(`create index \`webhook_delivery_endpoint_order_index\` on \`webhook_delivery\` (\`endpoint_id\`, \`ordering_key\`, \`event_position\`);`);
    this.addSql(`create index \`webhook_delivery_status_position_index\` on \`webhook_delivery\` (\`status\`, \`event_position\`);`);

    this.addSql(`alter table \`audit_event\` add column \`position\` bigint null;`);
    this.addSql(`create index \`audit_event_position_id_index\` on \`audit_event\` (\`position\`, \`id\`);`);
    this.addSql(`create index \`audit_event_org_position_index\` on \`audit_event\` (\`organization_id\`, \`position\`);`);

    // Events written before the feed existed take their positions in creation (id) order, and the
    // sequencer continues after the last of them.
    this.addSql(`update \`audit_event\` set \`position\` = s.p from (select \`id\`, row_number() over (order by \`id\`) as p from \`audit_event\`) as s where \`audit_event\`.\`id\` = s.\`id\`;`);
    this.addSql(`insert into \`event_sequence\` (\`name\`, \`last_position\`) select 'events', count(*) from \`audit_event\`;`);
  }

}
