import type { AbstractSqlConnection } from "@mikro-orm/knex";
import type { ReaderConnector } from "../sql/readers";
import type { PgClient } from "./prepared-statements";
import { POSTGRES_SESSION_SETTINGS } from "./session-settings";

/** A node-postgres client as knex makes it: knex marks one whose connection failed or ended. */
interface KnexPgClient extends PgClient {
  __knex__disposed?: unknown;
  end(): Promise<void>;
}

interface KnexPgDialect {
  acquireRawConnection(): Promise<KnexPgClient>;
}

/**
 * The store's PostgreSQL readers (sql/readers.ts): clients made by the pool's own knex dialect (so
 * with its connection settings, TLS and search path) outside the pool, each with the session
 * settings every pooled connection gets. A client whose connection dropped is made again.
 */
export function postgresReaderConnector(connection: () => AbstractSqlConnection): ReaderConnector<PgClient> {
  return {
    async open() {
      const client = await (connection().getKnex().client as unknown as KnexPgDialect).acquireRawConnection();
      try {
        await client.query(POSTGRES_SESSION_SETTINGS, []);
      } catch (error) {
        await client.end().catch(() => undefined);
        throw error;
      }
      return client;
    },
    close: (client) => (client as KnexPgClient).end(),
    isBroken: (client) => Boolean((client as KnexPgClient).__knex__disposed),
  };
}
