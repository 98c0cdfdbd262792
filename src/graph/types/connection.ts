import { Field, Int, ObjectType, type ClassType } from "type-graphql";

@ObjectType({ description: "Relay page information" })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => Boolean)
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

/** One page of a list, as a resolver returns it; totalCount is computed only when asked for. */
export interface Page<T> {
  nodes: T[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  cursorOf(node: T): string;
  totalCount(): Promise<number>;
}

/** Builds `<Name>Connection` and `<Name>Edge` types for a node type (Relay cursor connections). */
export function Connection<T extends object>(nodeType: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field(() => String)
    cursor!: string;

    @Field(() => nodeType)
    node!: T;
  }

  @ObjectType()
  abstract class ConnectionClass {
    @Field(() => [Edge])
    edges!: Edge[];

    @Field(() => [nodeType], { description: "The nodes of the edges, for clients that need no cursors" })
    nodes!: T[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    @Field(() => Int, { description: "Number of items in the whole list, all pages" })
    totalCount!: Promise<number>;
  }
  return ConnectionClass;
}

/** Renders a Page as a Relay connection object; totalCount is a getter, so the count query runs only when selected. */
export function toConnection<T>(page: Page<T>): { edges: Array<{ cursor: string; node: T }>; nodes: T[]; pageInfo: PageInfo; readonly totalCount: Promise<number> } {
  const edges = page.nodes.map((node) => ({ cursor: page.cursorOf(node), node }));
  return {
    edges,
    nodes: page.nodes,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    get totalCount() {
      return page.totalCount();
    },
  };
}

/**
 * A page of the domain's nodes rendered as GraphQL nodes: each keeps the cursor the domain gave
 * its node, so a resolver that reshapes nodes never re-derives how the domain encodes cursors.
 */
export function toMappedConnection<T, U>(page: Page<T>, toNode: (node: T) => U) {
  const cursors = new Map<U, string>();
  const nodes = page.nodes.map((node) => {
    const mapped = toNode(node);
    cursors.set(mapped, page.cursorOf(node));
    return mapped;
  });
  return toConnection({ ...page, nodes, cursorOf: (node: U) => cursors.get(node) as string });
}
