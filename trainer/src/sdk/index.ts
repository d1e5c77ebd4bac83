/** kubetune/trainer: report a trial's metrics and obey stop requests, from any TS/JS training code. */
export { connectReporter } from "./connect.ts";
export type { ConnectOptions } from "./connect.ts";
export type { Reporter, ReportStats } from "./reporter.ts";
export type { TransportKind } from "./env.ts";
export type { NatsOptions } from "./nats-sink.ts";
export { fitCallback } from "./fit-callback.ts";
export type { FitCallbackOptions } from "./fit-callback.ts";
export {
  ControlMessage,
  MetricMessage,
  controlSubject,
  messageId,
  metricsSubject,
  parseReportLine,
  METRICS_STREAM,
  MAX_MESSAGE_BYTES,
  REPORT_LINE_PREFIX,
} from "../../../controller/src/api/metrics.ts";
