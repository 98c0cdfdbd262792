// TypeScript's "node" module resolution (this project's) does not read package.json `exports`,
// through which Node finds graphql-ws's @fastify/websocket handler at run time; this names the
// type declarations of that same file.
declare module "graphql-ws/use/@fastify/websocket" {
  export * from "graphql-ws/dist/use/@fastify/websocket";
}
