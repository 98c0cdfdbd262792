/**
 * rate-limiter-flexible's base class of store-backed limiters: its types.d.ts declares it, but its
 * index.js does not export it, so it is loaded from its file (version pinned in package.json).
 */
declare module "rate-limiter-flexible/lib/RateLimiterStoreAbstract" {
  import { RateLimiterStoreAbstract } from "rate-limiter-flexible";
  export = RateLimiterStoreAbstract;
}
