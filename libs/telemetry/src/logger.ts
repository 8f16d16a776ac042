import { type DestinationStream, type Logger, type LoggerOptions as PinoOptions, pino } from 'pino';
import { REDACTED, redactObject, redactSecrets, SECRET_PATHS } from './redact.ts';

export type { Logger } from 'pino';

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Component name, logged as `name` on every line (e.g. `producer`, `worker`). */
  name: string;
  /** pino level; default `LOG_LEVEL` from the environment, else `info`. */
  level?: string;
  /** Where lines go; default stderr (stdout belongs to command output such as `--json`). */
  destination?: DestinationStream;
}

/** Serialise errors like pino does, minus any credentials their message or stack carries. */
function errSerializer(err: unknown): unknown {
  const s = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
  if (typeof s !== 'object' || s === null) return s;
  return redactObject(s);
}

/**
 * A structured JSON logger on stderr that never writes secrets: fields named like credentials (password, token,
 * secretAccessKey, authorization, ...) are replaced with `[redacted]`, and so are passwords inside URLs and signed
 * query parameters in every string field and message.
 */
export function createLogger(opts: LoggerOptions): Logger {
  const options: PinoOptions = {
    name: opts.name,
    level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: SECRET_PATHS, censor: REDACTED },
    serializers: { err: errSerializer, error: errSerializer },
    formatters: { log: redactObject },
    hooks: {
      logMethod(args, method) {
        method.apply(
          this,
          args.map((a) => (typeof a === 'string' ? redactSecrets(a) : a)) as Parameters<typeof method>,
        );
      },
    },
  };
  return pino(options, opts.destination ?? pino.destination({ dest: 2, sync: true }));
}

/**
 * The one line a command prints on stderr when it fails (`metaclip: <message>`), with credentials in URLs and secret
 * query parameters redacted like every log line: every bin ends with it, so none can print a password.
 */
export function errorLine(command: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `${command}: ${redactSecrets(message)}\n`;
}
