import { lexicographicSortSchema, printSchema } from "graphql";
import { buildGraphSchema } from "./schema";

export const SCHEMA_FILE = "schema/schema.graphql";

/** The SDL committed as schema/schema.graphql (sorted, so diffs show real changes only). */
export async function printGraphSchema(): Promise<string> {
  const header = "# Generated from the type-graphql resolvers by `npm run schema:emit`. Do not edit.\n\n";
  return header + printSchema(lexicographicSortSchema(await buildGraphSchema())) + "\n";
}
