export { isAuthorized, requireAuth } from './auth.ts';
export { buildCli } from './cli.ts';
export {
  type AuthConfig,
  checkBindSafety,
  DASHBOARD_SETTINGS,
  type DashboardConfig,
  describeConfig,
  hasCredentials,
  isLoopback,
  MIN_PASSWORD_LENGTH,
  MIN_TOKEN_LENGTH,
  resolveConfig,
} from './config.ts';
export { POLL_MS, type RunningDashboard, startDashboard } from './dashboard.ts';
export { escapeHtml, renderQueueRow, renderRunRow, renderRunsPage } from './page.ts';
export {
  type Board,
  type BoardControls,
  planQueueChanges,
  QueueRegistry,
  type QueueSummary,
  wantedQueues,
} from './queue-registry.ts';
export {
  formatDuration,
  formatRate,
  labelSummary,
  RUN_TEXT_FIELDS,
  type RunDetailView,
  type RunsSummary,
  type RunTextField,
  type RunView,
  runDetailView,
  runsSummary,
  runView,
  shortModel,
  type Tally,
} from './runs-view.ts';
export { createDashboardApp, type DashboardAppDeps, DETAIL_SAMPLES } from './server.ts';
