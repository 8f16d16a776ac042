export { createLogger, errorLine, type Logger, type LoggerOptions } from './logger';
export { createMetrics, type Metrics, type MetricsOptions, type Stage } from './metrics';
export { REDACTED, redactSecrets, SECRET_KEYS } from './redact';
export { type MetricsServer, type MetricsServerOptions, startMetricsServer } from './server';
