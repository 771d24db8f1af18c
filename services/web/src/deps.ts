import type { ContentPack } from "@beklijf/content";
import type { Clock, Logger } from "@beklijf/core";
import type { PrismaClient } from "@beklijf/db";
import type { Queues } from "@beklijf/queue";

import type { JobsPort } from "./jobs-port";

/** One email caught by the embedded SMTP sink. */
export interface OutboxMessage {
  readonly id: string;
  readonly to: string;
  readonly subject: string;
  readonly receivedAt: Date;
  readonly text: string;
  readonly html: string;
}

/** The embedded sink's outbox, when it is in use. */
export interface OutboxPort {
  list(limit: number): Promise<OutboxMessage[]>;
  get(id: string): Promise<OutboxMessage | undefined>;
}

export interface WebDeps {
  readonly db: PrismaClient;
  readonly clock: Clock;
  readonly logger: Logger;
  /** HMAC key the mailer signs links with. */
  readonly secret: string;
  /** Keys links were signed with before a rotation: still accepted until the links expire. */
  readonly previousSecrets?: readonly string[];
  readonly publicUrl: string;
  readonly outbox?: OutboxPort;
  /** The queues, for Bull Board in the console; absent when this process has no Redis. */
  readonly queues?: Queues;
  /** The engine's queues, for the people API (see JobsPort). */
  readonly jobs?: JobsPort;
  /** Template previews and test sends for editors (/api/preview, /api/test-send). */
  readonly mail?: MailPreviewPort;
}

export interface MailPreviewPort {
  /** `sources` lets the console show and check a template's source (the whole pack in production). */
  readonly pack: Pick<ContentPack, "renderer" | "actions"> &
    Partial<Pick<ContentPack, "sources" | "name" | "title">>;
  /** Sends a rendered email through the mailer's SMTP account, marked as a test. */
  sendTest?(message: {
    to: string;
    subject: string;
    html: string;
    text: string;
  }): Promise<{ messageId: string }>;
}
