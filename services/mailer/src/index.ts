export { type ComposedEmail, composeEmail } from "./compose-email";
export type { MailerDeps } from "./deps";
export { type MailerHandle, start } from "./start";
export { createTestSender, type TestSender } from "./test-sender";
export { createSmtpTransport, type SmtpTransport } from "./transport";
