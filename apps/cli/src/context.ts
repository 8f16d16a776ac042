/** What main hands every command: where results go, the logger, and the exit status collected so far. */
import type { Logger } from '@metaclip-batch/telemetry';
import type { JsonLines } from './output.ts';

/** Shared state of one CLI invocation. */
export interface CliContext {
  out: JsonLines;
  /** Set by main before any command runs (from the global `--log-level`). */
  logger: Logger;
  /** The status to exit with once the command is done (a command raises it, never lowers it). */
  exitCode: number;
}
