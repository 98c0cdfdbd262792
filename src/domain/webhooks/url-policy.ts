import { BlockList, isIP } from "node:net";

/**
 * Which webhook URLs the directory accepts, and which addresses a webhook must never reach unless
 * the operator runs it inside a private network on purpose. A webhook URL is chosen by a tenant,
 * and the server posts to it: without this policy a tenant could make the server call its own
 * admin ports, the cloud metadata service (169.254.169.254) or anything else behind the firewall
 * (server-side request forgery). Pure: the outbound client applies the same address rule to every
 * address DNS gives it at connect time (src/delivery/outbound-http.ts).
 */

export interface WebhookUrlPolicy {
  /** Operator's choice: deliver to loopback, RFC 1918 and similar addresses (self-hosted setups). */
  allowPrivateNetworks: boolean;
  /** Operator's choice: accept plain http URLs (local development, receivers behind a TLS proxy). */
  allowHttp: boolean;
}

/** Long enough for any real endpoint with a query string; a bound on what is stored and logged. */
const MAX_URL_LENGTH = 2048;

/** [network, prefix length, why it is not a public destination] */
type Subnet = readonly [network: string, prefix: number, why: string];

const NON_PUBLIC_IPV4: readonly Subnet[] = [
  ["0.0.0.0", 8, "'this' network (RFC 791); 0.0.0.0 reaches the local host on Linux"],
  ["10.0.0.0", 8, "private use (RFC 1918)"],
  ["100.64.0.0", 10, "carrier-grade NAT shared space (RFC 6598)"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local (RFC 3927), home of cloud metadata at 169.254.169.254"],
  ["172.16.0.0", 12, "private use (RFC 1918)"],
  ["192.0.0.0", 24, "IETF protocol assignments (RFC 6890)"],
  ["192.0.2.0", 24, "TEST-NET-1 documentation (RFC 5737)"],
  ["192.88.99.0", 24, "6to4 relay anycast (RFC 3068, deprecated by RFC 7526): a relay forwards it into IPv6, where it chooses"],
  ["192.168.0.0", 16, "private use (RFC 1918)"],
  ["198.18.0.0", 15, "benchmarking (RFC 2544)"],
  ["198.51.100.0", 24, "TEST-NET-2 documentation (RFC 5737)"],
  ["203.0.113.0", 24, "TEST-NET-3 documentation (RFC 5737)"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved (RFC 1112), including broadcast 255.255.255.255"],
];

const NON_PUBLIC_IPV6: readonly Subnet[] = [
  ["::", 128, "unspecified"],
  ["::1", 128, "loopback"],
  ["fc00::", 7, "unique local (RFC 4193)"],
  ["fe80::", 10, "link-local"],
  ["fec0::", 10, "site-local (deprecated by RFC 3879, still routed inside some networks)"],
  ["ff00::", 8, "multicast"],
  ["2001:db8::", 32, "documentation (RFC 3849)"],
  ["64:ff9b::", 96, "NAT64 (RFC 6052): a gateway would forward it to any IPv4 address, private ones included"],
  ["64:ff9b:1::", 48, "local-use NAT64 (RFC 8215): translated to IPv4 inside the operator's own network"],
  ["::ffff:0:0:0", 96, "IPv4-translated (SIIT, RFC 2765): carries an IPv4 address a translator reaches"],
  ["100::", 64, "discard-only (RFC 6666)"],
  ["2001::", 32, "Teredo (RFC 4380): tunnels to an IPv4 address hidden in the last 32 bits"],
  ["2001:2::", 48, "benchmarking (RFC 5180)"],
  ["2001:10::", 28, "ORCHID (RFC 4843), not routable"],
  ["2001:20::", 28, "ORCHIDv2 (RFC 7343), not routable"],
  ["2002::", 16, "6to4 (RFC 3056): a relay forwards it to the IPv4 address in bits 16–48, private ones included"],
  ["3fff::", 20, "documentation (RFC 9637)"],
  ["5f00::", 16, "segment routing SIDs (RFC 9602), not host addresses"],
];

/**
 * IPv6 forms that carry an IPv4 address in their last 32 bits and reach that IPv4 host: mapped
 * (::ffff:a.b.c.d, RFC 4291 §2.5.5.2) and the deprecated compatible form (::a.b.c.d). They are
 * judged by the IPv4 address they carry, so each IPv4 range is listed again under both prefixes.
 */
const IPV4_CARRYING_IPV6_PREFIXES = ["::ffff:", "::"];

const nonPublicAddresses = buildNonPublicAddresses();

function buildNonPublicAddresses(): BlockList {
  const list = new BlockList();
  for (const [network, prefix] of NON_PUBLIC_IPV4) {
    list.addSubnet(network, prefix, "ipv4");
    for (const carrier of IPV4_CARRYING_IPV6_PREFIXES) list.addSubnet(carrier + network, 96 + prefix, "ipv6");
  }
  for (const [network, prefix] of NON_PUBLIC_IPV6) list.addSubnet(network, prefix, "ipv6");
  return list;
}

/**
 * Whether a webhook must not be delivered to this IP address (unless private networks are
 * allowed). Accepts the forms a URL or a resolver produces: bracketed IPv6 (`[::1]`) and IPv6 with
 * a zone id (`fe80::1%eth0`). Anything that is not an IP address counts as private: the caller
 * asked about an address, and a value we cannot judge must not be let through.
 */
export function isPrivateAddress(ip: string): boolean {
  const address = withoutZoneId(withoutBrackets(ip));
  if (address === null) return true;
  const family = isIP(address);
  if (family === 0) return true;
  return nonPublicAddresses.check(address, family === 4 ? "ipv4" : "ipv6");
}

function withoutBrackets(ip: string): string {
  return ip.startsWith("[") && ip.endsWith("]") ? ip.slice(1, -1) : ip;
}

/**
 * The address without its zone id, or null when the zone id is malformed. BlockList.check answers
 * false (not private) for `fe80::1%eth0` instead of failing, so the zone must go before the check;
 * a zone only names the local interface and never changes which host the address is.
 */
function withoutZoneId(ip: string): string | null {
  const percent = ip.indexOf("%");
  if (percent === -1) return ip;
  const address = ip.slice(0, percent);
  const zone = ip.slice(percent + 1);
  if (zone === "" || zone.includes("%") || isIP(address) !== 6) return null;
  return address;
}

/**
 * Names that always mean "this machine" or "this site" and never a public receiver: localhost
 * (RFC 6761 §6.3), mDNS .local (RFC 6762) and .internal (reserved for private use, ICANN 2024;
 * GCP's metadata.google.internal). Other names are checked by the address they resolve to, when
 * the outbound client connects.
 */
const PRIVATE_NAME_SUFFIXES = [".localhost", ".local", ".internal"];

function isPrivateHostName(hostname: string): boolean {
  // "localhost." is the same name as "localhost": the trailing dot only marks it fully qualified.
  const name = hostname.replace(/\.+$/, "");
  return name === "localhost" || PRIVATE_NAME_SUFFIXES.some((suffix) => name.endsWith(suffix));
}

/**
 * Why a webhook URL is refused, as a short message for the person registering it, or null when it
 * is acceptable.
 */
export function webhookUrlProblem(url: string, policy: WebhookUrlPolicy): string | null {
  if (url.length > MAX_URL_LENGTH) return `the URL is longer than ${MAX_URL_LENGTH} characters`;

  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "the URL is not a valid absolute URL";
  }

  const httpAccepted = policy.allowHttp && parsed.protocol === "http:";
  if (parsed.protocol !== "https:" && !httpAccepted) {
    return policy.allowHttp ? "the URL must use https or http" : "the URL must use https";
  }
  // Credentials in a URL end up in logs and delivery records; receivers authenticate the
  // signature header instead.
  if (parsed.username !== "" || parsed.password !== "") return "the URL must not contain a username or password";
  // `hash` is "" for both "no fragment" and an empty one ("…/#"); a fragment is never sent, so it
  // can only mislead. `href` keeps the "#" in both cases, and any other "#" is percent-encoded.
  if (parsed.href.includes("#")) return "the URL must not contain a fragment (#…)";
  if (parsed.hostname === "") return "the URL has no host";

  if (policy.allowPrivateNetworks) return null;
  const host = withoutBrackets(parsed.hostname);
  if (isIP(host) !== 0) return isPrivateAddress(host) ? `${host} is a private address` : null;
  if (isPrivateHostName(host)) return `${host} is a private host name`;
  return null;
}
