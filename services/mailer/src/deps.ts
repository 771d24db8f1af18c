import type { ContentPack, TenantRenderers } from "@beklijf/content";
import type { Clock, Logger, Metrics } from "@beklijf/core";
import type { PrismaClient } from "@beklijf/db";
import type { Redis } from "ioredis";

import type { SmtpTransport } from "./transport";

export interface MailerDeps {
  readonly db: PrismaClient;
  readonly connection: Redis;
  readonly prefix: string;
  readonly transport: SmtpTransport;
  /** The content pack: its renderer, sources and what each template's action records. */
  readonly pack: Pick<ContentPack, "renderer" | "actions" | "sources">;
  /** Each tenant's renderer (its saved template versions over the pack); start() wires it. */
  readonly templates?: Pick<TenantRenderers, "rendererFor">;
  /**
   * How old the mailer's view of the tenants' saved templates may be when it renders an email, in
   * ms: an edit is in every email rendered this long after its save. Default 1000.
   */
  readonly templatesMaxAgeMs?: number;
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
  /**
   * How long one SMTP attempt may take at most (the transport's timeouts add up to less). A
   * delivery found "sending" for longer died inside SMTP and is not resent. Default 5 minutes.
   */
  readonly sendAttemptTimeoutMs?: number;
}
