import { isPrivateAddress, webhookUrlProblem, type WebhookUrlPolicy } from "../../src/domain/webhooks/url-policy";

// A webhook URL is chosen by a tenant and posted to by the server: a wrong "public" here lets a
// tenant reach the server's own network (SSRF), a wrong "private" breaks a real receiver.

describe("isPrivateAddress", () => {
  it.each([
    // [range, first address, last address]
    ["0.0.0.0/8 'this' network", "0.0.0.0", "0.255.255.255"],
    ["10.0.0.0/8 private use", "10.0.0.0", "10.255.255.255"],
    ["100.64.0.0/10 carrier-grade NAT", "100.64.0.0", "100.127.255.255"],
    ["127.0.0.0/8 loopback", "127.0.0.1", "127.255.255.255"],
    ["169.254.0.0/16 link-local", "169.254.0.0", "169.254.255.255"],
    ["172.16.0.0/12 private use", "172.16.0.0", "172.31.255.255"],
    ["192.0.0.0/24 IETF protocol assignments", "192.0.0.0", "192.0.0.255"],
    ["192.0.2.0/24 TEST-NET-1", "192.0.2.0", "192.0.2.255"],
    ["192.88.99.0/24 6to4 relay anycast", "192.88.99.0", "192.88.99.255"],
    ["192.168.0.0/16 private use", "192.168.0.0", "192.168.255.255"],
    ["198.18.0.0/15 benchmarking", "198.18.0.0", "198.19.255.255"],
    ["198.51.100.0/24 TEST-NET-2", "198.51.100.0", "198.51.100.255"],
    ["203.0.113.0/24 TEST-NET-3", "203.0.113.0", "203.0.113.255"],
    ["224.0.0.0/4 multicast", "224.0.0.0", "239.255.255.255"],
    ["240.0.0.0/4 reserved and broadcast", "240.0.0.0", "255.255.255.255"],
    ["fc00::/7 unique local", "fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
    ["fe80::/10 link-local", "fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
    ["fec0::/10 site-local", "fec0::", "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
    ["ff00::/8 multicast", "ff00::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
    ["2001:db8::/32 documentation", "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"],
    ["64:ff9b::/96 NAT64", "64:ff9b::", "64:ff9b::ffff:ffff"],
    ["64:ff9b:1::/48 local-use NAT64", "64:ff9b:1::", "64:ff9b:1:ffff:ffff:ffff:ffff:ffff"],
    ["::ffff:0:0:0/96 IPv4-translated", "::ffff:0:0:0", "::ffff:0:ffff:ffff"],
    ["100::/64 discard-only", "100::", "100::ffff:ffff:ffff:ffff"],
    ["2001::/32 Teredo", "2001::", "2001:0:ffff:ffff:ffff:ffff:ffff:ffff"],
    ["2001:2::/48 benchmarking", "2001:2::", "2001:2:0:ffff:ffff:ffff:ffff:ffff"],
    ["2001:10::/28 ORCHID", "2001:10::", "2001:1f:ffff:ffff:ffff:ffff:ffff:ffff"],
    ["2001:20::/28 ORCHIDv2", "2001:20::", "2001:2f:ffff:ffff:ffff:ffff:ffff:ffff"],
    ["2002::/16 6to4", "2002::", "2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
    ["3fff::/20 documentation", "3fff::", "3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff"],
    ["5f00::/16 segment routing", "5f00::", "5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
  ])("%s is private from %s to %s", (_range, first, last) => {
    expect(isPrivateAddress(first)).toBe(true);
    expect(isPrivateAddress(last)).toBe(true);
  });

  it.each([
    ["the address just below 10/8", "9.255.255.255"],
    ["the address just above 10/8", "11.0.0.0"],
    ["the address just below 100.64/10", "100.63.255.255"],
    ["the address just above 100.64/10", "100.128.0.0"],
    ["the address just above 127/8", "128.0.0.0"],
    ["the address just below 169.254/16", "169.253.255.255"],
    ["the address just above 169.254/16", "169.255.0.0"],
    ["the address just below 172.16/12", "172.15.255.255"],
    ["the address just above 172.16/12", "172.32.0.0"],
    ["the address just above 192.0.0/24", "192.0.1.0"],
    ["the address just above 192.0.2/24", "192.0.3.0"],
    ["the address just below 192.88.99/24", "192.88.98.255"],
    ["the address just above 192.88.99/24", "192.88.100.0"],
    ["the address just below 192.168/16", "192.167.255.255"],
    ["the address just above 192.168/16", "192.169.0.0"],
    ["the address just below 198.18/15", "198.17.255.255"],
    ["the address just above 198.18/15", "198.20.0.0"],
    ["the address just below 198.51.100/24", "198.51.99.255"],
    ["the address just above 198.51.100/24", "198.51.101.0"],
    ["the address just below 203.0.113/24", "203.0.112.255"],
    ["the address just above 203.0.113/24", "203.0.114.0"],
    ["the address just below 224/4", "223.255.255.255"],
    ["the address just above the IPv4-compatible ::/96", "::1:0:0"],
    ["the address just below fc00::/7", "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
    ["the address just above fc00::/7", "fe00::"],
    ["the address just below 2001:db8::/32", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff"],
    ["the address just above 2001:db8::/32", "2001:db9::"],
    ["the address just above 64:ff9b::/96", "64:ff9b::1:0:0"],
    ["the address just above 64:ff9b:1::/48", "64:ff9b:2::"],
    ["the address just above 100::/64", "100:0:0:1::"],
    ["the address just above Teredo's 2001::/32", "2001:1::"],
    ["the address just above 2001:2::/48", "2001:2:1::"],
    ["the address just above 2001:20::/28", "2001:30::"],
    ["the address just below 6to4's 2002::/16", "2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
    ["the address just above 6to4's 2002::/16", "2003::"],
    ["the address just below 3fff::/20", "3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
    ["the address just above 3fff::/20", "3fff:1000::"],
    ["Google DNS", "8.8.8.8"],
    ["Cloudflare DNS", "1.1.1.1"],
    ["Cloudflare DNS over IPv6", "2606:4700::1111"],
    ["a public IPv4 address mapped into IPv6", "::ffff:8.8.8.8"],
    ["a public IPv6 address in brackets", "[2606:4700::1111]"],
  ])("%s (%s) is public", (_what, address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });

  it.each([
    ["the cloud metadata service", "169.254.169.254"],
    ["the IPv6 unspecified address", "::"],
    ["IPv6 loopback", "::1"],
    ["IPv6 loopback written in full", "0:0:0:0:0:0:0:1"],
    ["IPv6 loopback in brackets", "[::1]"],
    ["IPv4 loopback mapped into IPv6", "::ffff:127.0.0.1"],
    ["IPv4 loopback mapped into IPv6, hex form", "::ffff:7f00:1"],
    ["the metadata service mapped into IPv6", "::ffff:169.254.169.254"],
    ["a private IPv4 address in the compatible form", "::10.1.2.3"],
    ["a private IPv4 address in the compatible form, hex", "::a01:203"],
    ["a public IPv4 address behind NAT64", "64:ff9b::8.8.8.8"],
    ["IPv4 loopback through a 6to4 relay", "2002:7f00:1::"],
    ["the metadata service through a 6to4 relay", "2002:a9fe:a9fe::1"],
    ["IPv4 loopback translated (SIIT)", "::ffff:0:127.0.0.1"],
    ["a Teredo address", "2001:0:4136:e378:8000:63bf:3fff:fdd2"],
    ["link-local with a zone id", "fe80::1%eth0"],
    ["link-local with a zone id, in brackets", "[fe80::1%eth0]"],
    ["IPv6 loopback with a zone id", "::1%lo"],
  ])("%s (%s) is private", (_what, address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each([
    ["an empty string", ""],
    ["a host name", "example.com"],
    ["an IPv4 address with a leading zero (octal to some parsers)", "010.0.0.1"],
    ["a shortened IPv4 address", "127.1"],
    ["an IPv4 address with a port", "8.8.8.8:80"],
    ["an IPv4 address with a zone id", "8.8.8.8%eth0"],
    ["an IPv6 address with an empty zone id", "2606:4700::1111%"],
    ["an IPv6 address with two zone ids", "2606:4700::1111%a%b"],
    ["an unclosed bracket", "[2606:4700::1111"],
    ["an address with spaces", " 8.8.8.8"],
  ])("%s (%j) is not an address, so it counts as private", (_what, value) => {
    expect(isPrivateAddress(value)).toBe(true);
  });
});

describe("webhookUrlProblem", () => {
  const strict: WebhookUrlPolicy = { allowPrivateNetworks: false, allowHttp: false };
  const lenient: WebhookUrlPolicy = { allowPrivateNetworks: true, allowHttp: true };

  it.each([
    ["an https URL", "https://hooks.example.com/idgraph"],
    ["an https URL with a port and a query", "https://hooks.example.com:8443/idgraph?tenant=7"],
    ["a public IPv4 literal", "https://8.8.8.8/hook"],
    ["a public IPv6 literal", "https://[2606:4700::1111]/hook"],
    ["a name that merely contains 'local'", "https://localhost.example.com/hook"],
    ["a name that ends in 'internal' without the dot", "https://myinternal/hook"],
  ])("accepts %s under both policies", (_what, url) => {
    expect(webhookUrlProblem(url, strict)).toBeNull();
    expect(webhookUrlProblem(url, lenient)).toBeNull();
  });

  it.each([
    ["a URL that does not parse", "not a url", /not a valid/],
    ["a relative URL", "/hook", /not a valid/],
    ["an ftp URL", "ftp://hooks.example.com/", /https/],
    ["a javascript: URL", "javascript:alert(1)", /https/],
    ["a file: URL", "file:///etc/passwd", /https/],
    ["a username", "https://admin@hooks.example.com/", /username or password/],
    ["a username and password", "https://admin:secret@hooks.example.com/", /username or password/],
    ["a password alone", "https://:secret@hooks.example.com/", /username or password/],
    ["a fragment", "https://hooks.example.com/hook#section", /fragment/],
    ["an empty fragment", "https://hooks.example.com/hook#", /fragment/],
    ["a URL longer than 2048 characters", `https://hooks.example.com/${"a".repeat(2048)}`, /2048/],
  ])("refuses %s under both policies", (_what, url, problem) => {
    expect(webhookUrlProblem(url, strict)).toMatch(problem);
    expect(webhookUrlProblem(url, lenient)).toMatch(problem);
  });

  it("accepts a URL of exactly 2048 characters", () => {
    const prefix = "https://hooks.example.com/";
    const url = prefix + "a".repeat(2048 - prefix.length);
    expect(url).toHaveLength(2048);
    expect(webhookUrlProblem(url, strict)).toBeNull();
  });

  it("accepts http only when the policy allows it", () => {
    expect(webhookUrlProblem("http://hooks.example.com/", strict)).toBe("the URL must use https");
    expect(webhookUrlProblem("http://hooks.example.com/", { allowPrivateNetworks: false, allowHttp: true })).toBeNull();
  });

  it.each([
    ["IPv4 loopback", "https://127.0.0.1/hook", "127.0.0.1 is a private address"],
    ["the cloud metadata service", "https://169.254.169.254/latest/meta-data/", "169.254.169.254 is a private address"],
    ["a private IPv4 address", "https://10.1.2.3:8443/hook", "10.1.2.3 is a private address"],
    ["IPv4 loopback in hex, which URL parsing normalises", "https://0x7f.0.0.1/hook", "127.0.0.1 is a private address"],
    ["IPv4 loopback as one decimal number", "https://2130706433/hook", "127.0.0.1 is a private address"],
    ["IPv6 loopback", "https://[::1]/hook", "::1 is a private address"],
    ["IPv4 loopback mapped into IPv6", "https://[::ffff:127.0.0.1]/hook", "::ffff:7f00:1 is a private address"],
    ["a unique local IPv6 address", "https://[fd12:3456::1]/hook", "fd12:3456::1 is a private address"],
    ["localhost", "https://localhost/hook", "localhost is a private host name"],
    ["localhost in capitals", "https://LOCALHOST:8443/hook", "localhost is a private host name"],
    ["localhost with a trailing dot", "https://localhost./hook", "localhost. is a private host name"],
    ["a name under .localhost", "https://api.localhost/hook", "api.localhost is a private host name"],
    ["an mDNS .local name", "https://printer.local/hook", "printer.local is a private host name"],
    ["a .internal name", "https://metadata.google.internal/computeMetadata/v1/", "metadata.google.internal is a private host name"],
    ["a .internal name with a trailing dot", "https://db.internal./hook", "db.internal. is a private host name"],
  ])("refuses %s unless private networks are allowed", (_what, url, problem) => {
    expect(webhookUrlProblem(url, strict)).toBe(problem);
    expect(webhookUrlProblem(url, lenient)).toBeNull();
  });
});
