/**
 * The CLI runs as production unless NODE_ENV says otherwise. Imported first by main.ts, before
 * graphql loads: graphql-js decides then whether each type test (isObjectType, isListType… several
 * per field of every result) also checks for a second copy of graphql from another module, which
 * cost ~8% of a `can` batch's time. Apollo's defaults that follow NODE_ENV are pinned where it is
 * configured (server/graphql.ts), so they do not change with it; the test suite runs the server
 * in-process as "test".
 */
process.env.NODE_ENV ??= "production";
