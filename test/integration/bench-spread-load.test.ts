import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { measureSpreadLoad } from "../../bench/load";

/**
 * The fleet's load generator against two tiny servers standing in for two idgraph processes: one
 * autocannon run over both URLs reaches both, and with `amount` every request is answered (and
 * counted, with its status) before the run returns — what the fleet's lost-write count relies on.
 */
describe("a load spread over two processes", () => {
  const received = [0, 0];
  const servers: Server[] = [];
  const urls: string[] = [];

  beforeAll(async () => {
    for (const index of [0, 1]) {
      // The second answers every tenth request with a 500, as a process losing a lock race would.
      const server = createServer((request, response) => {
        received[index] += 1;
        request.resume().on("end", () => {
          response.statusCode = index === 1 && received[index] % 10 === 0 ? 500 : 201;
          response.end("{}");
        });
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      servers.push(server);
      urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    }
  });
  afterAll(async () => {
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
  });

  it("reaches both, answers exactly the amount sent, and returns its 500s instead of throwing", async () => {
    const result = await measureSpreadLoad({ urls, connections: 4, amount: 200, request: { method: "POST", path: "/scim/v2/Users", body: "{}" } });
    expect(result.requests).toBe(200);
    expect(received).toEqual([100, 100]);
    expect(result.answersPerProcess).toEqual([100, 100]);
    expect(result.statuses).toEqual({ 201: 190, 500: 10 });
    expect(result.non2xx).toBe(10);
    expect(result.rps).toBeGreaterThan(0);
  });
});
