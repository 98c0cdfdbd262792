import type { ComplexityEstimatorArgs } from "graphql-query-complexity";
import {
  getArgumentValues, getDirectiveValues, getNamedType, getVariableValues, GraphQLIncludeDirective, GraphQLSkipDirective,
  isAbstractType, isCompositeType, Kind, SchemaMetaFieldDef, TypeMetaFieldDef, TypeNameMetaFieldDef,
  type DocumentNode, type FieldNode, type FragmentDefinitionNode, type GraphQLCompositeType, type GraphQLField,
  type GraphQLSchema, type OperationDefinitionNode, type SelectionNode, type SelectionSetNode,
} from "graphql";
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

/**
 * The estimated cost of one operation: each field costs 1 plus its children, unless it carries
 * its own `complexity` (a number added to its children's, or one of the estimators above); of a
 * union, the costliest member counts; fields skipped by `@skip`/`@include` cost nothing.
 *
 * The same sums graphql-query-complexity computes, but each fragment is costed once and its cost
 * reused at every spread: that library walks a fragment again at each spread, so a 1 KB document
 * whose 30 fragments each spread the previous one twice costs it 2^30 visits. Here the work is
 * linear in the document, and the cost (which does grow as 2^30) is a number, refused above the
 * ceiling. Returns undefined when the variables do not fit their declared types: execution then
 * refuses them (400 BAD_USER_INPUT) before any resolver runs.
 */
export function operationComplexity(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode,
  rawVariables: Record<string, unknown>): number | undefined {
  const { coerced, errors } = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables);
  if (errors || !coerced) return undefined;
  const variables: Record<string, unknown> = coerced;
  const root = schema.getRootType(operation.operation);
  if (!root) return undefined;

  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const fragmentCosts = new Map<string, number>();
  // A spread of a fragment still being costed is a cycle; validation refuses those before this
  // runs, but counting it as 0 keeps this function total on any document.
  const inProgress = new Set<string>();

  const fieldCost = (parent: GraphQLCompositeType, node: FieldNode): number => {
    const field = fieldOf(parent, node.name.value);
    if (!field) return 0; // unknown field: validation has refused it already
    const type = getNamedType(field.type);
    const childComplexity = isCompositeType(type) && node.selectionSet ? selectionSetCost(type, node.selectionSet) : 0;
    const estimate = field.extensions.complexity as unknown;
    if (typeof estimate === "number") return childComplexity + estimate;
    if (typeof estimate === "function") {
      const args = getArgumentValues(field, node, variables);
      return (estimate as (a: ComplexityEstimatorArgs) => number)({ type: parent, field, node, args, childComplexity });
    }
    return 1 + childComplexity;
  };

  const fragmentCost = (name: string): { cost: number; type: GraphQLCompositeType } | undefined => {
    const fragment = fragments.get(name);
    const type = fragment && schema.getType(fragment.typeCondition.name.value);
    if (!fragment || !isCompositeType(type)) return undefined;
    let cost = fragmentCosts.get(name);
    if (cost === undefined) {
      if (inProgress.has(name)) return { cost: 0, type };
      inProgress.add(name);
      cost = selectionSetCost(type, fragment.selectionSet);
      inProgress.delete(name);
      fragmentCosts.set(name, cost);
    }
    return { cost, type };
  };

  /** Per concrete type the selection may resolve to, the sum of its selections; the costliest type counts. */
  function selectionSetCost(parent: GraphQLCompositeType, selectionSet: SelectionSetNode): number {
    const byType = new Map<string, number>();
    const add = (types: readonly string[], cost: number) => { for (const name of types) byType.set(name, (byType.get(name) ?? 0) + cost); };
    const parentTypes = possibleTypeNames(schema, parent);
    for (const selection of selectionSet.selections) {
      if (!included(selection, variables)) continue;
      if (selection.kind === Kind.FIELD) {
        add(parentTypes, fieldCost(parent, selection));
      } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const spread = fragmentCost(selection.name.value);
        if (spread) add(possibleTypeNames(schema, spread.type), spread.cost);
      } else {
        const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (isCompositeType(condition)) add(possibleTypeNames(schema, condition), selectionSetCost(condition, selection.selectionSet));
      }
    }
    return Math.max(0, ...byType.values());
  }

  return selectionSetCost(root, operation.selectionSet);
}

function fieldOf(parent: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
  if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
  if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  return "getFields" in parent ? parent.getFields()[name] : undefined;
}

function possibleTypeNames(schema: GraphQLSchema, type: GraphQLCompositeType): string[] {
  return isAbstractType(type) ? schema.getPossibleTypes(type).map((t) => t.name) : [type.name];
}

function included(selection: SelectionNode, variables: Record<string, unknown>): boolean {
  if (getDirectiveValues(GraphQLSkipDirective, selection, variables)?.if === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, selection, variables)?.if !== false;
}
