import { ProjectError } from '@metaclip-batch/errors';

/** Base class of the jobs library's errors; all of them are permanent (retrying cannot help). */
export class JobsError extends ProjectError {
  readonly code: string;
  readonly retryable: boolean = false;

  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * A shard job whose data does not match the {@link ShardJob} schema. Permanent: the worker turns it into BullMQ's
 * `UnrecoverableError` at its edge, so the job fails at once instead of retrying data that can never become valid.
 */
export class MalformedJobError extends JobsError {
  /** Human-readable list of what is wrong with the data, one problem per line. */
  readonly issues: string;

  constructor(issues: string) {
    super('MALFORMED_JOB', `malformed shard job: ${issues}`);
    this.issues = issues;
  }
}

/** A run id (or a name derived from one) breaks the allowed pattern. */
export class InvalidRunIdError extends JobsError {
  constructor(runId: string, why: string) {
    super('INVALID_RUN_ID', `invalid run id ${JSON.stringify(runId)}: ${why}`);
    this.name = 'InvalidRunIdError';
  }
}

/** The run does not exist in the run store. */
export class RunNotFoundError extends JobsError {
  readonly runId: string;

  constructor(runId: string) {
    super('RUN_NOT_FOUND', `run ${runId} does not exist`);
    this.name = 'RunNotFoundError';
    this.runId = runId;
  }
}

/** One parameter on which a re-enqueue disagrees with the run it names: its value in the run and in the new spec. */
export interface SpecConflict {
  field: string;
  existing: unknown;
  given: unknown;
}

/** A value short enough for a one-line message (a label list can be thousands of names). */
function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * A run with this id already exists but was created with different parameters. The message names each one with both
 * values, so resuming an interrupted run (`--embed-dtype float32` left off, say) says exactly which flag to repeat.
 */
export class RunConflictError extends JobsError {
  readonly runId: string;
  readonly fields: string[];
  readonly conflicts: SpecConflict[];

  constructor(runId: string, conflicts: SpecConflict[]) {
    const each = conflicts.map((c) => `${c.field} (${shown(c.existing)} there, ${shown(c.given)} here)`);
    super(
      'RUN_CONFLICT',
      `run ${runId} already exists with a different ${each.join(', ')}; to resume it, enqueue with the parameters ` +
        'it was created with, or choose another run id (--run-id)',
    );
    this.name = 'RunConflictError';
    this.runId = runId;
    this.fields = conflicts.map((c) => c.field);
    this.conflicts = conflicts;
  }
}

/**
 * A shard job that is not part of its run's plan as enqueued (a shard number the listing never planned, or URIs other
 * than the planned ones): injected or stale. It is never run, and never counted in the run.
 */
export class ShardNotInPlanError extends JobsError {
  constructor(runId: string, shard: number) {
    super(
      'SHARD_NOT_IN_PLAN',
      `shard ${shard} of run ${runId} is not in the run's plan (no such shard, or other URIs than were enqueued); ` +
        'the job was not run. Enqueue images with `metaclip-producer enqueue`, never by adding jobs directly',
    );
    this.name = 'ShardNotInPlanError';
  }
}
