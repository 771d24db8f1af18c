import type { Clock } from "@beklijf/core";
import {
  claimDeliveryAttempts,
  type DbClient,
  type DeliveryForSend,
  getDeliveriesForSend,
  markDeliveriesSent,
} from "@beklijf/db";

import { type Batcher, createBatcher } from "./create-batcher";

/** The database work of delivery.send that jobs running at the same moment share. */
export interface DeliveryBatches {
  /** The delivery with what rendering needs; null when it is gone. */
  readonly load: Batcher<string, DeliveryForSend | null>;
  /**
   * Stamps a queued delivery "sending" (ADR 0006). True when this call claimed it; false when it
   * was not queued, or another job of the same batch claimed it: `claimDeliveryAttempt` then
   * says what it is.
   */
  readonly claim: Batcher<string, boolean>;
  /** Records that SMTP accepted the email. */
  readonly markSent: Batcher<
    { id: string; messageId: string; at: Date },
    undefined
  >;
}

/**
 * Up to 100 deliveries a query, two queries of a kind at once: three kinds then hold at most six
 * of the database pool's connections (10 by default), leaving the rest for the rare one-row paths
 * (suppression, refusals, claims that need a second look).
 */
const BATCH = { maxBatchSize: 100, maxInFlight: 2 } as const;

export function createDeliveryBatches(
  db: DbClient,
  clock: Clock,
): DeliveryBatches {
  return {
    load: createBatcher(async (ids) => {
      const found = await getDeliveriesForSend(db, ids);
      return ids.map((id) => found.get(id) ?? null);
    }, BATCH),
    claim: createBatcher(async (ids) => {
      const claimed = await claimDeliveryAttempts(db, ids, {
        now: clock.now(),
      });
      // Two jobs of one delivery in the same batch (a replay under another job id): only the
      // first gets the claim; delete() is true once per id.
      return ids.map((id) => claimed.delete(id));
    }, BATCH),
    markSent: createBatcher(async (sent) => {
      await markDeliveriesSent(db, sent);
      return sent.map(() => undefined);
    }, BATCH),
  };
}
