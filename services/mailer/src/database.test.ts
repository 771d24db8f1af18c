import { mailerStatementName } from "./database";

describe("mailerStatementName", () => {
  it("names a query by its leading mailer comment, and no other query", () => {
    expect(
      mailerStatementName({
        sql: "/* mailer:load-deliveries */\n    SELECT 1",
      }),
    ).toBe("mailer:load-deliveries");
    expect(mailerStatementName({ sql: "SELECT 1" })).toBe("");
    expect(
      mailerStatementName({ sql: "SELECT 1 /* mailer:load-deliveries */" }),
    ).toBe("");
    expect(mailerStatementName({ sql: "/* other:thing */ SELECT 1" })).toBe("");
  });
});
