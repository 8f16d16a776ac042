export { isAuthorized, requireAuth } from './auth';
export { buildCli } from './cli';
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
} from './config';
export { POLL_MS, type RunningDashboard, startDashboard } from './dashboard';
export { escapeHtml, renderQueueRow, renderRunRow, renderRunsPage } from './page';
export {
  type Board,
  type BoardControls,
  planQueueChanges,
  QueueRegistry,
  type QueueSummary,
  wantedQueues,
} from './queue-registry';
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
} from './runs-view';
export { createDashboardApp, type DashboardAppDeps, DETAIL_SAMPLES } from './server';
