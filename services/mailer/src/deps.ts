import type { Clock, Logger, Metrics } from "@beklijf/core";
import type { PrismaClient } from "@beklijf/db";
import type { Renderer } from "@beklijf/render";
import type { Redis } from "ioredis";
import type { Transporter } from "nodemailer";

export interface MailerDeps {
  readonly db: PrismaClient;
  readonly connection: Redis;
  readonly prefix: string;
  readonly transport: Transporter;
  readonly renderer: Renderer;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Base of every link in an email, e.g. https://learn.example.com (no trailing slash). */
  readonly publicUrl: string;
  /** HMAC key for signed links. */
  readonly secret: string;
  /** Sender when the tenant has none, e.g. '"Academy" <academy@example.com>'. */
  readonly mailFrom: string;
  /** How long links in an email stay valid. */
  readonly linkTtlDays: number;
}
