import { constants } from 'node:os';

/**
 * Exit status of a command that stopped because of `signal`, by the shell's convention: 128 + the signal's number
 * (SIGINT 130, SIGTERM 143), even when it stopped cleanly, so scripts and supervisors can tell "asked to stop" from
 * "finished" and from "failed".
 */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}
