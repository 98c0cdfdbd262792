import { Migration } from '@mikro-orm/migrations';

export class Migration20261125131937 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`audit_event\` (\`id\` text not null, \`organization_id\` text null, \`type\` text not null, \`actor_type\` text not null, \`actor_id\` text null, \`target_type\` text not null, \`target_id\` text null, \`data\` json null, \`created_at\` datetime not null, primary key (\`id\`));`);
    this.addSql(`create index \`audit_event_target_index\` on \`audit_event\` (\`target_id\`);`);
    this.addSql(`create index \`audit_event_org_id_index\` on \`audit_event\` (\`organization_id\`, \`id\`);`);

    this.addSql(`create table \`organization\` (\`id\` text not null, \`name\` text not null, \`default_role_id\` text null, \`scim_enabled\` integer not null default true, \`scim_auto_activate\` integer not null default true, \`scim_sync_groups\` integer not null default true, \`scim_deprovision_mode\` text not null default 'SUSPEND', \`max_groups\` integer null, \`created_at\` datetime not null, \`updated_at\` datetime not null, primary key (\`id\`));`);

    this.addSql(`create table \`group\` (\`id\` text not null, \`organization_id\` text not null, \`display_name\` text not null, \`display_name_key\` text not null, \`external_id\` text null, \`managed_by\` text not null default 'ADMIN', \`extra\` json null, \`version\` integer not null default 1, \`created_at\` datetime not null, \`updated_at\` datetime not null, constraint \`group_organization_id_foreign\` foreign key(\`organization_id\`) references \`organization\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`group_organization_id_index\` on \`group\` (\`organization_id\`);`);
    this.addSql(`create index \`group_org_updated_at_index\` on \`group\` (\`organization_id\`, \`updated_at\`);`);
    this.addSql(`create index \`group_org_external_id_index\` on \`group\` (\`organization_id\`, \`external_id\`);`);
    this.addSql(`create unique index \`group_org_display_name_key_unique\` on \`group\` (\`organization_id\`, \`display_name_key\`);`);

    this.addSql(`create table \`api_key\` (\`id\` text not null, \`name\` text not null, \`role\` text not null, \`organization_id\` text null, \`secret_hash\` text not null, \`created_at\` datetime not null, \`last_used_at\` datetime null, \`revoked_at\` datetime null, constraint \`api_key_organization_id_foreign\` foreign key(\`organization_id\`) references \`organization\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`api_key_organization_id_index\` on \`api_key\` (\`organization_id\`);`);

    this.addSql(`create table \`account\` (\`id\` text not null, \`organization_id\` text not null, \`name\` text not null, \`created_at\` datetime not null, constraint \`account_organization_id_foreign\` foreign key(\`organization_id\`) references \`organization\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`account_organization_id_index\` on \`account\` (\`organization_id\`);`);

    this.addSql(`create table \`role\` (\`id\` text not null, \`organization_id\` text not null, \`key\` text not null, \`name\` text not null, \`description\` text null, \`permissions\` json not null, \`created_at\` datetime not null, constraint \`role_organization_id_foreign\` foreign key(\`organization_id\`) references \`organization\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`role_organization_id_index\` on \`role\` (\`organization_id\`);`);
    this.addSql(`create unique index \`role_org_key_unique\` on \`role\` (\`organization_id\`, \`key\`);`);

    this.addSql(`create table \`role_mapping\` (\`id\` text not null, \`organization_id\` text not null, \`idp_value\` text not null, \`idp_value_key\` text not null, \`role_id\` text not null, \`account_id\` text null, \`scope_key\` text not null, \`created_at\` datetime not null, constraint \`role_mapping_organization_id_foreign\` foreign key(\`organization_id\`) references \`organization\`(\`id\`) on delete cascade on update cascade, constraint \`role_mapping_role_id_foreign\` foreign key(\`role_id\`) references \`role\`(\`id\`) on delete cascade on update cascade, constraint \`role_mapping_account_id_foreign\` foreign key(\`account_id\`) references \`account\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`role_mapping_organization_id_index\` on \`role_mapping\` (\`organization_id\`);`);
    this.addSql(`create index \`role_mapping_role_id_index\` on \`role_mapping\` (\`role_id\`);`);
    this.addSql(`create index \`role_mapping_account_id_index\` on \`role_mapping\` (\`account_id\`);`);
    this.addSql(`create unique index \`role_mapping_value_scope_unique\` on \`role_mapping\` (\`organization_id\`, \`idp_value_key\`, \`scope_key\`);`);

    this.addSql(`create table \`scim_token\` (\`id\` text not null, \`organization_id\` text not null, \`name\` text not null, \`secret_hash\` text not null, \`created_at\` datetime not null, \`expires_at\` datetime null, \`last_used_at\` datetime null, \`revoked_at\` datetime null, constraint \`scim_token_organization_id_foreign\` foreign key(\`organization_id\`) references \`organization\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`scim_token_organization_id_index\` on \`scim_token\` (\`organization_id\`);`);

    this.addSql(`create table \`user\` (\`id\` text not null, \`organization_id\` text not null, \`user_name\` text not null, \`user_name_key\` text not null, \`external_id\` text null, \`active\` integer not null default true, \`managed_by\` text not null default 'ADMIN', \`display_name\` text null, \`given_name\` text null, \`family_name\` text null, \`middle_name\` text null, \`honorific_prefix\` text null, \`honorific_suffix\` text null, \`formatted_name\` text null, \`nick_name\` text null, \`profile_url\` text null, \`title\` text null, \`user_type\` text null, \`preferred_language\` text null, \`locale\` text null, \`timezone\` text null, \`emails\` json not null, \`phone_numbers\` json not null, \`addresses\` json not null, \`photos\` json not null, \`ims\` json not null, \`roles\` json not null, \`entitlements\` json not null, \`x509certificates\` json not null, \`enterprise\` json null, \`extra\` json null, \`version\` integer not null default 1, \`created_at\` datetime not null, \`updated_at\` datetime not null, constraint \`user_organization_id_foreign\` foreign key(\`organization_id\`) references \`organization\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`user_organization_id_index\` on \`user\` (\`organization_id\`);`);
    this.addSql(`create index \`user_org_updated_at_index\` on \`user\` (\`organization_id\`, \`updated_at\`);`);
    this.addSql(`create index \`user_org_external_id_index\` on \`user\` (\`organization_id\`, \`external_id\`);`);
    this.addSql(`create unique index \`user_org_user_name_key_unique\` on \`user\` (\`organization_id\`, \`user_name_key\`);`);

    this.addSql(`create table \`role_binding\` (\`id\` text not null, \`organization_id\` text not null, \`role_id\` text not null, \`subject_user_id\` text null, \`subject_group_id\` text null, \`account_id\` text null, \`identity_key\` text not null, \`created_at\` datetime not null, constraint \`role_binding_organization_id_foreign\` foreign key(\`organization_id\`) references \`organization\`(\`id\`) on delete cascade on update cascade, constraint \`role_binding_role_id_foreign\` foreign key(\`role_id\`) references \`role\`(\`id\`) on delete cascade on update cascade, constraint \`role_binding_subject_user_id_foreign\` foreign key(\`subject_user_id\`) references \`user\`(\`id\`) on delete cascade on update cascade, constraint \`role_binding_subject_group_id_foreign\` foreign key(\`subject_group_id\`) references \`group\`(\`id\`) on delete cascade on update cascade, constraint \`role_binding_account_id_foreign\` foreign key(\`account_id\`) references \`account\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`role_binding_organization_id_index\` on \`role_binding\` (\`organization_id\`);`);
    this.addSql(`create index \`role_binding_role_id_index\` on \`role_binding\` (\`role_id\`);`);
    this.addSql(`create index \`role_binding_account_id_index\` on \`role_binding\` (\`account_id\`);`);
    this.addSql(`create index \`role_binding_subject_group_index\` on \`role_binding\` (\`subject_group_id\`);`);
    this.addSql(`create index \`role_binding_subject_user_index\` on \`role_binding\` (\`subject_user_id\`);`);
    this.addSql(`create unique index \`role_binding_identity_unique\` on \`role_binding\` (\`identity_key\`);`);

    this.addSql(`create table \`group_membership\` (\`id\` text not null, \`group_id\` text not null, \`member_user_id\` text null, \`member_group_id\` text null, \`created_at\` datetime not null, constraint \`group_membership_group_id_foreign\` foreign key(\`group_id\`) references \`group\`(\`id\`) on delete cascade on update cascade, constraint \`group_membership_member_user_id_foreign\` foreign key(\`member_user_id\`) references \`user\`(\`id\`) on delete cascade on update cascade, constraint \`group_membership_member_group_id_foreign\` foreign key(\`member_group_id\`) references \`group\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`group_membership_group_id_index\` on \`group_membership\` (\`group_id\`);`);
    this.addSql(`create index \`group_membership_member_group_index\` on \`group_membership\` (\`member_group_id\`);`);
    this.addSql(`create index \`group_membership_member_user_index\` on \`group_membership\` (\`member_user_id\`);`);
    this.addSql(`create index \`group_membership_group_id_id_index\` on \`group_membership\` (\`group_id\`, \`id\`);`);
    this.addSql(`create unique index \`group_membership_group_unique\` on \`group_membership\` (\`group_id\`, \`member_group_id\`);`);
    this.addSql(`create unique index \`group_membership_user_unique\` on \`group_membership\` (\`group_id\`, \`member_user_id\`);`);
  }

}
