import { Migration } from '@mikro-orm/migrations';

/**
 * Membership lookups by member become covering: (member, group) instead of (member), so the
 * groups of a user or of a group are read from the index alone (SCIM lookups, access checks).
 */
export class Migration20261125152500 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`drop index \`group_membership_member_user_index\`;`);
    this.addSql(`drop index \`group_membership_member_group_index\`;`);

    this.addSql(`create index \`group_membership_member_group_group_index\` on \`group_membership\` (\`member_group_id\`, \`group_id\`);`);
    this.addSql(`create index \`group_membership_member_user_group_index\` on \`group_membership\` (\`member_user_id\`, \`group_id\`);`);
  }

}
