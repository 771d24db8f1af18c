import type { Transporter } from "nodemailer";

import { createMailTransporter } from "./transport";

export interface TestSender {
  /** Sends a rendered email to `to`, marked as a test; resolves with the Message-ID. */
  send(message: {
    to: string;
    subject: string;
    html: string;
    text: string;
  }): Promise<{ messageId: string }>;
  close(): Promise<void>;
}

/**
 * Test sends for the console ("send me this template"): the same SMTP account as the mailer,
 * the subject marked "[test]", no unsubscribe headers (there is no recipient list behind it).
 */
export function createTestSender(
  smtpUrl: string,
  mailFrom: string,
  transport: Transporter = createMailTransporter(smtpUrl),
): TestSender {
  return {
    send: async (message) => {
      const info: unknown = await transport.sendMail({
        from: mailFrom,
        to: message.to,
        subject: `[test] ${message.subject}`,
        html: message.html,
        text: message.text,
        headers: { "X-Beklijf-Test": "1", "Auto-Submitted": "auto-generated" },
      });
      const messageId =
        typeof info === "object" && info !== null && "messageId" in info
          ? String(info.messageId)
          : "";
      return { messageId };
    },
    close: () => {
      transport.close();
      return Promise.resolve();
    },
  };
}
