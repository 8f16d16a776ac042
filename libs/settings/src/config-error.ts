import { ProjectError } from '@metaclip-batch/errors';

/** Exit status of every command for a configuration or usage problem found at start-up. */
export const EXIT_CONFIG = 2;

/**
 * A configuration that cannot start the command. Every app raises this one class and prints it the same way
 * (`<command>: invalid configuration:` then one line per problem, `--flag (ENV): what is wrong (got "value")`), then
 * exits {@link EXIT_CONFIG}. Permanent: the same settings fail the same way again.
 */
export class ConfigError extends ProjectError {
  readonly code = 'CONFIG_INVALID';
  readonly retryable = false;
  readonly exitCode = EXIT_CONFIG;
  /** One line per problem, each naming the flag and/or variable to change. */
  readonly problems: string[];

  /**
   * @param problems one line each, as {@link describeSetting} names the setting.
   * @param hint a last line saying where to read more, e.g. "See `metaclip-producer enqueue --help`."
   */
  constructor(problems: string[], hint?: string) {
    super(['invalid configuration:', ...problems.map((p) => `  ${p}`), ...(hint ? [hint] : [])].join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
