/**
 * The dashboard's settings are invalid or unsafe (for example a public address without credentials). Permanent:
 * starting again with the same settings fails the same way, so the process exits with the message instead of retrying.
 */
export class DashboardConfigError extends Error {
  readonly code = 'DASHBOARD_CONFIG';

  constructor(message: string) {
    super(message);
    this.name = 'DashboardConfigError';
  }
}
