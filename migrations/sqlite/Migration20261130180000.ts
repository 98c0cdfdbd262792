import { Migration } from '@mikro-orm/migrations';
import { backfillIdpRoleKeys } from '../backfill-idp-role-keys';

export class Migration20261130180000 extends Migration {

  override async up(): Promise<void> {
    // Run now, not queued: the backfill below needs the column.
    await this.execute(`alter table \`user\` add column \`idp_role_keys\` json null;`);
    await backfillIdpRoleKeys((sql, params) => this.execute(sql, params), "?");

    this.addSql(`drop index \`user_organization_id_index\`;`);
    this.addSql(`create index \`user_org_id_index\` on \`user\` (\`organization_id\`, \`id\`);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index \`user_org_id_index\`;`);
    this.addSql(`create index \`user_organization_id_index\` on \`user\` (\`organization_id\`);`);
    this.addSql(`alter table \`user\` drop column \`idp_role_keys\`;`);
  }

}
