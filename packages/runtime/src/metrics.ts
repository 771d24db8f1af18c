import type { MetricName, Metrics } from "@beklijf/core";
import {
  collectDefaultMetrics,
  Counter,
  Histogram,
  Registry,
} from "prom-client";

const HELP: Record<MetricName, string> = {
  statements_stored_total: "xAPI statements stored (new ids)",
  statements_duplicate_total:
    "xAPI statements received again with the same id and content",
  statements_rejected_total:
    "Requests storing xAPI statements that were refused (400, 409, 413)",
  nudges_planned_total: "Planned nudges written",
  nudges_skipped_total:
    "Nudges not sent at fire time (opted out, cancelled, suppressed, ...)",
  nudges_handed_off_total: "Nudges handed to the mailer",
  deliveries_sent_total: "Emails accepted by the SMTP server",
  deliveries_failed_total: "Emails that failed permanently",
};

export interface PrometheusMetrics extends Metrics {
  readonly registry: Registry;
  readonly httpDuration: Histogram<"method" | "route" | "status">;
}

/** Prometheus metrics for /metrics: Node's defaults, beklijf's counters, HTTP latency. */
export function createMetrics(): PrometheusMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "beklijf_" });
  const counters = new Map<MetricName, Counter>();
  for (const [name, help] of Object.entries(HELP) as [MetricName, string][]) {
    counters.set(
      name,
      new Counter({ name: `beklijf_${name}`, help, registers: [registry] }),
    );
  }
  const httpDuration = new Histogram({
    name: "beklijf_http_request_duration_seconds",
    help: "HTTP request duration",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return {
    registry,
    httpDuration,
    count: (name, value = 1) => {
      if (value > 0) counters.get(name)?.inc(value);
    },
  };
}
