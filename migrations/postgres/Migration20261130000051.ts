import { Migration } from '@mikro-orm/migrations';

export class Migration20261130000051 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "audit_event" ("id" text not null, "organization_id" text null, "type" text not null, "actor_type" text not null, "actor_id" text null, "target_type" text not null, "target_id" text null, "data" jsonb null, "created_at" timestamptz not null, constraint "audit_event_pkey" primary key ("id"));`);
    this.addSql(`create index "audit_event_target_index" on "audit_event" ("target_id");`);
    this.addSql(`create index "audit_event_org_id_index" on "audit_event" ("organization_id", "id");`);

    this.addSql(`create table "organization" ("id" text not null, "name" text not null, "default_role_id" text null, "scim_enabled" boolean not null default true, "scim_auto_activate" boolean not null default true, "scim_sync_groups" boolean not null default true, "scim_deprovision_mode" text not null default 'SUSPEND', "scim_link_admin_users" boolean not null default false, "max_groups" int null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "organization_pkey" primary key ("id"));`);

    this.addSql(`create table "group" ("id" text not null, "organization_id" text not null, "display_name" text not null, "display_name_key" text not null, "external_id" text null, "managed_by" text not null default 'ADMIN', "extra" jsonb null, "version" int not null default 1, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "group_pkey" primary key ("id"));`);
    this.addSql(`create index "group_org_updated_at_index" on "group" ("organization_id", "updated_at");`);
    this.addSql(`create index "group_org_external_id_index" on "group" ("organization_id", "external_id");`);
    this.addSql(`alter table "group" add constraint "group_org_display_name_key_unique" unique ("organization_id", "display_name_key");`);

    this.addSql(`create table "api_key" ("id" text not null, "name" text not null, "role" text not null, "organization_id" text null, "secret_hash" text not null, "created_at" timestamptz not null, "last_used_at" timestamptz null, "revoked_at" timestamptz null, constraint "api_key_pkey" primary key ("id"));`);
    this.addSql(`create index "api_key_organization_id_index" on "api_key" ("organization_id");`);

    this.addSql(`create table "account" ("id" text not null, "organization_id" text not null, "name" text not null, "created_at" timestamptz not null, constraint "account_pkey" primary key ("id"));`);
    this.addSql(`create index "account_organization_id_index" on "account" ("organization_id");`);

    this.addSql(`create table "role" ("id" text not null, "organization_id" text not null, "key" text not null, "name" text not null, "description" text null, "permissions" jsonb not null, "created_at" timestamptz not null, constraint "role_pkey" primary key ("id"));`);
    this.addSql(`alter table "role" add constraint "role_org_key_unique" unique ("organization_id", "key");`);

    this.addSql(`create table "role_mapping" ("id" text not null, "organization_id" text not null, "idp_value" text not null, "idp_value_key" text not null, "role_id" text not null, "account_id" text null, "scope_key" text not null, "created_at" timestamptz not null, constraint "role_mapping_pkey" primary key ("id"));`);
    this.addSql(`create index "role_mapping_role_id_index" on "role_mapping" ("role_id");`);
    this.addSql(`create index "role_mapping_account_id_index" on "role_mapping" ("account_id");`);
    this.addSql(`alter table "role_mapping" add constraint "role_mapping_value_scope_unique" unique ("organization_id", "idp_value_key", "scope_key");`);

    this.addSql(`create table "scim_token" ("id" text not null, "organization_id" text not null, "name" text not null, "secret_hash" text not null, "created_at" timestamptz not null, "expires_at" timestamptz null, "last_used_at" timestamptz null, "revoked_at" timestamptz null, constraint "scim_token_pkey" primary key ("id"));`);
    this.addSql(`create index "scim_token_organization_id_index" on "scim_token" ("organization_id");`);

    this.addSql(`create table "user" ("id" text not null, "organization_id" text not null, "user_name" text not null, "user_name_key" text not null, "external_id" text null, "active" boolean not null default true, "managed_by" text not null default 'ADMIN', "pending_admin_activation" boolean not null default false, "protected_from_scim" boolean not null default false, "display_name" text null, "given_name" text null, "family_name" text null, "middle_name" text null, "honorific_prefix" text null, "honorific_suffix" text null, "formatted_name" text null, "nick_name" text null, "profile_url" text null, "title" text null, "user_type" text null, "preferred_language" text null, "locale" text null, "timezone" text null, "emails" jsonb not null, "phone_numbers" jsonb not null, "addresses" jsonb not null, "photos" jsonb not null, "ims" jsonb not null, "roles" jsonb not null, "entitlements" jsonb not null, "x509certificates" jsonb not null, "enterprise" jsonb null, "extra" jsonb null, "version" int not null default 1, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "user_pkey" primary key ("id"));`);
    this.addSql(`create index "user_org_updated_at_index" on "user" ("organization_id", "updated_at");`);
    this.addSql(`create index "user_org_external_id_index" on "user" ("organization_id", "external_id");`);
    this.addSql(`alter table "user" add constraint "user_org_user_name_key_unique" unique ("organization_id", "user_name_key");`);

    this.addSql(`create table "role_binding" ("id" text not null, "organization_id" text not null, "role_id" text not null, "subject_user_id" text null, "subject_group_id" text null, "account_id" text null, "identity_key" text not null, "created_at" timestamptz not null, constraint "role_binding_pkey" primary key ("id"));`);
    this.addSql(`create index "role_binding_organization_id_index" on "role_binding" ("organization_id");`);
    this.addSql(`create index "role_binding_role_id_index" on "role_binding" ("role_id");`);
    this.addSql(`create index "role_binding_account_id_index" on "role_binding" ("account_id");`);
    this.addSql(`create index "role_binding_subject_group_index" on "role_binding" ("subject_group_id");`);
    this.addSql(`create index "role_binding_subject_user_index" on "role_binding" ("subject_user_id");`);
    this.addSql(`alter table "role_binding" add constraint "role_binding_identity_unique" unique ("identity_key");`);

    this.addSql(`create table "group_membership" ("id" text not null, "group_id" text not null, "member_user_id" text null, "member_group_id" text null, "created_at" timestamptz not null, constraint "group_membership_pkey" primary key ("id"));`);
    this.addSql(`create index "group_membership_member_group_group_index" on "group_membership" ("member_group_id", "group_id");`);
    this.addSql(`create index "group_membership_member_user_group_index" on "group_membership" ("member_user_id", "group_id");`);
    this.addSql(`create index "group_membership_group_id_id_index" on "group_membership" ("group_id", "id");`);
    this.addSql(`alter table "group_membership" add constraint "group_membership_group_unique" unique ("group_id", "member_group_id");`);
    this.addSql(`alter table "group_membership" add constraint "group_membership_user_unique" unique ("group_id", "member_user_id");`);

    this.addSql(`alter table "group" add constraint "group_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "api_key" add constraint "api_key_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "account" add constraint "account_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "role" add constraint "role_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "role_mapping" add constraint "role_mapping_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "role_mapping" add constraint "role_mapping_role_id_foreign" foreign key ("role_id") references "role" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "role_mapping" add constraint "role_mapping_account_id_foreign" foreign key ("account_id") references "account" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "scim_token" add constraint "scim_token_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "user" add constraint "user_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "role_binding" add constraint "role_binding_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "role_binding" add constraint "role_binding_role_id_foreign" foreign key ("role_id") references "role" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "role_binding" add constraint "role_binding_subject_user_id_foreign" foreign key ("subject_user_id") references "user" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "role_binding" add constraint "role_binding_subject_group_id_foreign" foreign key ("subject_group_id") references "group" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "role_binding" add constraint "role_binding_account_id_foreign" foreign key ("account_id") references "account" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "group_membership" add constraint "group_membership_group_id_foreign" foreign key ("group_id") references "group" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "group_membership" add constraint "group_membership_member_user_id_foreign" foreign key ("member_user_id") references "user" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "group_membership" add constraint "group_membership_member_group_id_foreign" foreign key ("member_group_id") references "group" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "group" drop constraint "group_organization_id_foreign";`);

    this.addSql(`alter table "api_key" drop constraint "api_key_organization_id_foreign";`);

    this.addSql(`alter table "account" drop constraint "account_organization_id_foreign";`);

    this.addSql(`alter table "role" drop constraint "role_organization_id_foreign";`);

    this.addSql(`alter table "role_mapping" drop constraint "role_mapping_organization_id_foreign";`);

    this.addSql(`alter table "scim_token" drop constraint "scim_token_organization_id_foreign";`);

    this.addSql(`alter table "user" drop constraint "user_organization_id_foreign";`);

    this.addSql(`alter table "role_binding" drop constraint "role_binding_organization_id_foreign";`);

    this.addSql(`alter table "role_binding" drop constraint "role_binding_subject_group_id_foreign";`);

    this.addSql(`alter table "group_membership" drop constraint "group_membership_group_id_foreign";`);

    this.addSql(`alter table "group_membership" drop constraint "group_membership_member_group_id_foreign";`);

    this.addSql(`alter table "role_mapping" drop constraint "role_mapping_account_id_foreign";`);

    this.addSql(`alter table "role_binding" drop constraint "role_binding_account_id_foreign";`);

    this.addSql(`alter table "role_mapping" drop constraint "role_mapping_role_id_foreign";`);

    this.addSql(`alter table "role_binding" drop constraint "role_binding_role_id_foreign";`);

    this.addSql(`alter table "role_binding" drop constraint "role_binding_subject_user_id_foreign";`);

    this.addSql(`alter table "group_membership" drop constraint "group_membership_member_user_id_foreign";`);

    this.addSql(`drop table if exists "audit_event" cascade;`);

    this.addSql(`drop table if exists "organization" cascade;`);

    this.addSql(`drop table if exists "group" cascade;`);

    this.addSql(`drop table if exists "api_key" cascade;`);

    this.addSql(`drop table if exists "account" cascade;`);

    this.addSql(`drop table if exists "role" cascade;`);

    this.addSql(`drop table if exists "role_mapping" cascade;`);

    this.addSql(`drop table if exists "scim_token" cascade;`);

    this.addSql(`drop table if exists "user" cascade;`);

    this.addSql(`drop table if exists "role_binding" cascade;`);

    this.addSql(`drop table if exists "group_membership" cascade;`);
  }

}
