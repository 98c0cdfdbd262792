import { Migration } from '@mikro-orm/migrations';

export class Migration20261130025646 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`rate_limit_counter\` (\`key\` text not null, \`points\` integer not null default 0, \`expire\` bigint null, primary key (\`key\`));`);

    this.addSql(`alter table \`organization\` add column \`membership_rate_per_second\` integer null;`);
    this.addSql(`alter table \`organization\` add column \`membership_burst\` integer null;`);
  }

}
