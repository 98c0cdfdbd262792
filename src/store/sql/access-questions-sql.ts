import type { EntityManager } from "@mikro-orm/core";
import type { AccessQuestionStore, AccountPick, GrantHolderQuery, KeysetPage } from "../../domain/ports/access-questions";
import type { Row } from "./rows";
import type { StoreDialect } from "./store-dialect";

type Run = (em: EntityManager, sql: string, params: unknown[]) => Promise<Row[]>;

/**
 * Below this many memberships in the bound groups (and with no mapping or default role to match),
 * a page of holders is read from the holders' list; above it, by walking the organization's users
 * in id order (see holders()).
 */
export const LISTED_HOLDERS = 5_000;

/**
 * The access questions' listing statements, in SQL both databases speak. Holders are found
 * set-wise (bindings, a walk down the nesting from the bound groups, mapped IdP role values, the
 * default role), never by a statement per user. Statement texts depend only on which parts a
 * question has, so each shape is prepared once.
 */
export class SqlAccessQuestions implements AccessQuestionStore {
  constructor(private readonly dialect: StoreDialect, private readonly run: Run) {}

  async grantHolderPage(em: EntityManager, query: GrantHolderQuery, page: KeysetPage): Promise<string[]> {
    const { sql, params } = this.holders(query, await this.shapeOf(em, query));
    const rows = await this.run(em, `${sql} and u.id > ? order by u.id limit ?`, [...params, page.after ?? "", page.limit]);
    return rows.map((row) => row.id as string);
  }

  async countGrantHolders(em: EntityManager, query: GrantHolderQuery): Promise<number> {
    // Every holder is counted: the list of the bound groups' members is built once, set-wise,
    // which both planners do better than probing each user's memberships (see holders()).
    const { sql, params } = this.holders(query, "list");
    const [row] = await this.run(em, `select count(*) as n from (${sql}) holders`, params);
    return Number(row?.n ?? 0);
  }

  async accountPage(em: EntityManager, pick: AccountPick, page: KeysetPage): Promise<string[]> {
    const { sql, params } = this.accounts(pick);
    const rows = await this.run(em, `${sql} and a.id > ? order by a.id limit ?`, [...params, page.after ?? "", page.limit]);
    return rows.map((row) => row.id as string);
  }

  async countAccounts(em: EntityManager, pick: AccountPick): Promise<number> {
    const { sql, params } = this.accounts(pick);
    const [row] = await this.run(em, `select count(*) as n from (${sql}) picked`, params);
    return Number(row?.n ?? 0);
  }

  /**
   * How to read a page of holders. A page is the first holders in id order. When the bound
   * groups hold few members and only bindings grant, their list is small: read it, sort it, take
   * the page ("list"). When they hold many (an all-employees group), or a mapping or the default
   * role grants (so every user must be looked at anyway), walk the organization's users in id
   * order on the (organization_id, id) index, probing each, and stop at the page's end ("walk"):
   * a page then costs what it takes to meet a page of holders, not the whole list. One indexed
   * count of the bound groups' memberships decides.
   */
  private async shapeOf(em: EntityManager, query: GrantHolderQuery): Promise<"list" | "walk"> {
    if (query.mappedKeys.length > 0 || query.defaultRole) return "walk";
    const [row] = await this.run(em, `
      with recursive ${this.boundGroups()}
      select count(*) as n from group_membership where group_id in (select group_id from inside) and member_user_id is not null`,
    [JSON.stringify(query.roleIds), query.accountId]);
    return Number(row?.n ?? 0) > LISTED_HOLDERS ? "walk" : "list";
  }

  /** The CTEs of the groups a granting role is bound to (at organization or account scope), and every group inside them. */
  private boundGroups(): string {
    return `
        bound_groups(group_id) as (
          select subject_group_id from role_binding
          where role_id in (${this.dialect.idsFromJson("?")}) and subject_group_id is not null and (account_id is null or account_id = ?)),
        inside(group_id) as (
          select group_id from bound_groups
          union
          select m.member_group_id from group_membership m join inside i on m.group_id = i.group_id where m.member_group_id is not null)`;
  }

  /**
   * `select u.id from "user" u where …` for the active users of the organization holding one of
   * the grants: a binding of a granting role on the user, or on a group it is in directly or
   * through groups nested in it, scoped to the organization or the account; a mapped IdP role
   * value; or the default role, when no mapping in scope matches. "list" finds the group holders
   * as one list (the bound groups' members); "walk" asks of each user whether one of its groups is
   * among them (its memberships by the (member_user_id, group_id) index).
   */
  private holders(query: GrantHolderQuery, shape: "list" | "walk"): { sql: string; params: unknown[] } {
    const hasKeyIn = (keys: string) =>
      `(u.idp_role_keys is not null and exists (select 1 from ${keys} k where ${this.dialect.jsonArrayHasText("u.idp_role_keys", "k.key")}))`;
    const granted = [
      `u.id in (select user_id from direct_holders)`,
      shape === "list"
        ? `u.id in (select member_user_id from group_membership where group_id in (select group_id from inside) and member_user_id is not null)`
        : `exists (select 1 from group_membership m join inside i on i.group_id = m.group_id where m.member_user_id = u.id)`,
    ];
    if (query.mappedKeys.length > 0) granted.push(hasKeyIn("mapped_keys"));
    if (query.defaultRole) granted.push(`not ${hasKeyIn("unless_keys")}`);
    const sql = `
      with recursive ${this.boundGroups()},
        direct_holders(user_id) as (
          select subject_user_id from role_binding
          where role_id in (${this.dialect.idsFromJson("?")}) and subject_user_id is not null and (account_id is null or account_id = ?)),
        mapped_keys(key) as (${this.dialect.idsFromJson("?")}),
        unless_keys(key) as (${this.dialect.idsFromJson("?")})
      select u.id from "user" u
      where u.organization_id = ? and u.active and (${granted.join(" or ")})`;
    const roles = JSON.stringify(query.roleIds);
    const params = [roles, query.accountId, roles, query.accountId, JSON.stringify(query.mappedKeys), JSON.stringify(query.defaultRole?.unlessKeys ?? []), query.organizationId];
    return { sql, params };
  }

  private accounts(pick: AccountPick): { sql: string; params: unknown[] } {
    const picked = [`a.id in (${this.dialect.idsFromJson("?")})`];
    const params: unknown[] = [pick.organizationId, JSON.stringify(pick.include)];
    if (pick.everyOther) {
      picked.push(`a.id not in (${this.dialect.idsFromJson("?")})`);
      params.push(JSON.stringify(pick.exclude));
    }
    return { sql: `select a.id from account a where a.organization_id = ? and (${picked.join(" or ")})`, params };
  }
}
