import { startTestServer, type TestServer } from "../helpers/server";

describe("smoke", () => {
  let server: TestServer;
  beforeAll(async () => { server = await startTestServer(); });
  afterAll(async () => { await server.close(); });

  it("creates an organization", async () => {
    const data = await server.ok(`mutation { createOrganization(input: {name: "Acme"}) { id name } }`);
    expect(data.createOrganization.name).toBe("Acme");
  });
});
