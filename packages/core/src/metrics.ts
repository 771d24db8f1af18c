/** Counters services report; the launcher turns them into Prometheus metrics. */
export type MetricName =
  | "statements_stored_total"
  | "statements_duplicate_total"
  | "statements_rejected_total"
  | "nudges_planned_total"
  | "nudges_skipped_total"
  | "nudges_handed_off_total"
  | "deliveries_sent_total"
  | "deliveries_failed_total";

export interface Metrics {
  count(name: MetricName, value?: number): void;
}

export const noMetrics: Metrics = { count: () => undefined };
