export { createLogger, errorLine, type Logger, type LoggerOptions } from './logger';
export { createMetrics, type Metrics, type MetricsOptions, type Stage } from './metrics';
export { createQueueMetrics, pendingJobs, type QueueCounts, type QueueMetrics } from './queue-metrics';
export { REDACTED, redactSecrets, SECRET_KEYS } from './redact';
export { type MetricsServer, type MetricsServerOptions, startMetricsServer } from './server';
