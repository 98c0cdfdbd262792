import { Migration } from '@mikro-orm/migrations';

export class Migration20261129212516 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table \`organization\` add column \`scim_link_admin_users\` integer not null default false;`);

    this.addSql(`alter table \`user\` add column \`pending_admin_activation\` integer not null default false;`);
    this.addSql(`alter table \`user\` add column \`protected_from_scim\` integer not null default false;`);
  }

}
