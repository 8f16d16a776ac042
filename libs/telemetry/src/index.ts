/**
 * The pino logger, the prom-client metrics and the `/metrics` `/healthz` `/readyz` server.
 *
 * @module @metaclip-batch/telemetry
 */
export { createLogger, errorLine, type Logger, type LoggerOptions } from './logger.ts';
export { createMetrics, type Metrics, type MetricsOptions } from './metrics.ts';
export { createQueueMetrics, pendingJobs, type QueueCounts, type QueueMetrics } from './queue-metrics.ts';
export { REDACTED, redactSecrets, SECRET_KEYS } from './redact.ts';
export { type MetricsServer, type MetricsServerOptions, startMetricsServer } from './server.ts';
export { observeStages, type Stage, type StageObserver, timeStage } from './stages.ts';
