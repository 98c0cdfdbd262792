/**
 * The layers, enforced (`npm run lint` runs this over src/ and migrations/; test/, bench/ and
 * scripts/ may import anything and are not cruised):
 *
 *   src/server, src/cli        composition roots: may import any layer
 *   src/graph | src/scim       the two surfaces: neither imports the other, nor store/
 *   src/exports                file formats of domain answers (server/ and cli/ write them): not store/
 *   src/domain                 commands, queries and the ports storage implements
 *   src/access | src/store     access/ is pure; store/ implements domain/ports and nothing else
 *
 * Type-only imports count (tsPreCompilationDeps): naming a store/ type from graph/ couples the
 * surface to the storage just as much as calling it does.
 */

/** The drivers and SQL builders: only store/ speaks SQL. */
const SQL_PACKAGES = "^node_modules/(@mikro-orm/(knex|sqlite|postgresql)|pg|sqlite3|knex)/";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "surfaces-not-store",
      comment:
        "graph/, scim/, delivery/ (the webhook dispatcher) and exports/ (file formats) reach storage only through domain/: entity classes " +
        "through src/domain/model.ts, queries and commands through domain/.",
      severity: "error",
      from: { path: "^src/(graph|scim|delivery|exports)/" },
      to: { path: "^src/store/" },
    },
    {
      name: "graph-not-scim",
      comment: "The GraphQL surface does not import the SCIM surface; share code through domain/.",
      severity: "error",
      from: { path: "^src/graph/" },
      to: { path: "^src/scim/" },
    },
    {
      name: "scim-not-graph",
      comment: "The SCIM surface does not import the GraphQL surface; share code through domain/.",
      severity: "error",
      from: { path: "^src/scim/" },
      to: { path: "^src/graph/" },
    },
    {
      name: "store-only-ports",
      comment:
        "store/ implements the ports domain/ declares (dependency inversion): it may import store/, " +
        "src/domain/ports/**, src/config.ts, src/worker-script.ts (how a worker thread starts) and packages, never domain/ rules, the surfaces, access/ or the entry points. " +
        "It also loads the migrations' lists (migrations/<kind>/index.ts): they are the storage's own schema history, " +
        "generated from store/entities, and import nothing but @mikro-orm/* (rule migrations-only-mikro-orm).",
      severity: "error",
      from: { path: "^src/store/" },
      to: {
        pathNot: ["^src/store/", "^src/domain/ports/", "^src/config\\.ts$", "^src/worker-script\\.ts$", "^migrations/[^/]+/index\\.ts$", "^node_modules/"],
        dependencyTypesNot: ["core"],
      },
    },
    {
      name: "access-pure",
      comment:
        "access/ is the pure access calculus (facts in, effective access out): it imports only access/, " +
        "no package, no Node built-in, no ORM.",
      severity: "error",
      from: { path: "^src/access/" },
      to: { pathNot: "^src/access/" },
    },
    {
      name: "domain-not-surfaces",
      comment: "domain/ knows nothing of the surfaces or the entry points that call it.",
      severity: "error",
      from: { path: "^src/domain/" },
      to: { path: "^src/(graph|scim|server|cli)/" },
    },
    {
      name: "entry-points-on-top",
      comment: "server/ and cli/ are the composition roots: no layer below imports them.",
      severity: "error",
      from: { path: "^src/(graph|scim|delivery|exports|domain|access|store)/" },
      to: { path: "^src/(server|cli)/" },
    },
    {
      name: "no-sql-outside-store",
      comment:
        "Only src/store/** imports the SQL drivers and query builders (@mikro-orm/knex, @mikro-orm/sqlite, " +
        "@mikro-orm/postgresql, pg, sqlite3, knex). domain/ may use @mikro-orm/core (EntityManager, entities).",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/store/" },
      to: { path: SQL_PACKAGES },
    },
    {
      name: "surfaces-orm-types-only",
      comment:
        "graph/ and scim/ name MikroORM's types (EntityManager, MikroORM, EntityName) in their request contexts " +
        "and loaders, but call no ORM API themselves: `import type` from @mikro-orm/core only.",
      severity: "error",
      from: { path: "^src/(graph|scim)/" },
      to: { path: "^node_modules/@mikro-orm/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "migrations-only-mikro-orm",
      comment: "Migrations are generated from the entities and import only @mikro-orm/* and each other.",
      severity: "error",
      from: { path: "^migrations/" },
      to: { pathNot: ["^migrations/", "^node_modules/@mikro-orm/"] },
    },
    {
      name: "no-circular",
      comment: "No import cycles between modules: they make load order fragile and layers meaningless.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "not-to-unresolvable",
      comment: "An import that resolves to no file or package is a broken build waiting to happen.",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: "not-to-dev-dep",
      comment:
        "src/ and migrations/ ship; they import only `dependencies` (type-only imports of @types/* are fine), " +
        "so a production install (npm ci --omit=dev) still runs them.",
      severity: "error",
      from: { path: "^(src|migrations)/" },
      to: {
        dependencyTypes: ["npm-dev"],
        dependencyTypesNot: ["type-only"],
        pathNot: ["^node_modules/@types/"],
      },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // node_modules must not be excluded, only not followed: excluding it drops the edges to packages,
    // and the rules about packages (no-sql-outside-store, access-pure, not-to-dev-dep) would pass vacuously.
    exclude: { path: "^(dist|coverage)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
