import { Migration } from '@mikro-orm/migrations';

export class Migration20261130025647 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "rate_limit_counter" ("key" text not null, "points" int not null default 0, "expire" bigint null, constraint "rate_limit_counter_pkey" primary key ("key"));`);

    this.addSql(`alter table "organization" add column "membership_rate_per_second" int null, add column "membership_burst" int null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "rate_limit_counter" cascade;`);

    this.addSql(`alter table "organization" drop column "membership_rate_per_second", drop column "membership_burst";`);
  }

}
