import type { ComplexityEstimatorArgs } from "graphql-query-complexity";
import { DEFAULT_PAGE_SIZE } from "../domain/queries/pagination";

/** A list field costs its page size times what is asked of each item. */
export function pagedComplexity({ args, childComplexity }: ComplexityEstimatorArgs): number {
  const first = typeof args.first === "number" ? args.first : DEFAULT_PAGE_SIZE;
  return 1 + childComplexity * Math.max(first, 1);
}

/** A batch field costs the number of items in the batch. */
export function batchComplexity(argument: string) {
  return ({ args, childComplexity }: ComplexityEstimatorArgs): number => {
    const items = Array.isArray(args[argument]) ? (args[argument] as unknown[]).length : 1;
    return 1 + childComplexity + items;
  };
}
