import { Organization } from "../../src/store/entities";
import { authenticateScimToken } from "../../src/domain/authenticate";
import { runCommand } from "../../src/domain/command";
import { readVisibleOrganization } from "../../src/domain/lookup";
import { scimTenant } from "../helpers/scim";
import { startTestServer, type TestServer } from "../helpers/server";

/**
 * A SCIM token is read with its organization's row (store/sql/credential-sql.ts). The row becomes
 * an entity only when the request asks for its organization — a lookup never does — and then, or
 * in a command's transaction, without a second statement.
 */
describe("the organization read with a SCIM token", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.close());

  it("is an entity only once asked for, and costs no statement then", async () => {
    const { organizationId, token } = await scimTenant(server, "Read with its token");
    const em = server.built.orm.em.fork();
    const actor = await authenticateScimToken(em, token);
    expect(actor?.organizationId).toBe(organizationId);
    expect(em.getUnitOfWork().getById(Organization.name, organizationId)).toBeUndefined();

    let org: Organization | undefined;
    const statements = await server.captureQueries(async () => {
      org = await readVisibleOrganization(em, actor!, organizationId);
    });
    expect(statements).toEqual([]);
    expect(org?.name).toBe("Read with its token");
    expect(em.getUnitOfWork().getById(Organization.name, organizationId)).toBe(org);
  });

  it("is in a command's transaction from its start", async () => {
    const { organizationId, token } = await scimTenant(server, "Forked with it");
    const em = server.built.orm.em.fork();
    const actor = (await authenticateScimToken(em, token))!;
    const seen = await runCommand({ em, actor }, async (tx) => tx.getUnitOfWork().getById<Organization>(Organization.name, organizationId)?.name);
    expect(seen).toBe("Forked with it");
  });

  it("is not another request's", async () => {
    const first = await scimTenant(server, "First");
    const second = await scimTenant(server, "Second");
    const em = server.built.orm.em.fork();
    await authenticateScimToken(em, first.token);
    const other = server.built.orm.em.fork();
    const actor = (await authenticateScimToken(other, second.token))!;
    expect((await readVisibleOrganization(other, actor, second.organizationId)).name).toBe("Second");
    expect(em.getUnitOfWork().getById(Organization.name, second.organizationId)).toBeUndefined();
  });
});
