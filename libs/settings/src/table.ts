/**
 * One settings table per app: each setting's flag, environment variable, default, schema and help are written once,
 * and the command line (see `./commander`), the validation and the help text are all derived from that entry.
 */
import { redactSecrets } from '@metaclip-batch/telemetry';
import { Option } from 'commander';
import { z } from 'zod';
import { ConfigError } from './config-error.ts';

/** One setting of an app. */
export interface Setting<S extends z.ZodType = z.ZodType> {
  /**
   * Long flag with its argument as commander spells it (`--max-batch <n>`); its camelCase name must be the
   * setting's key. Absent: the setting is read from the environment only (secrets: a flag would show them to
   * anyone who can list processes).
   */
  flag?: string;
  /** Environment variable read when the flag is not given: `METACLIP_*`, or a name other tools share (`REDIS_URL`). */
  env: string;
  /** Former names of `env`, still read (with a deprecation warning) for one release. */
  deprecatedEnv?: readonly string[];
  /** Value used when neither flag nor environment gives one; validated by `schema` like any other. */
  default?: unknown;
  /** How `--help` shows a default that is computed rather than fixed (`2 x max batch`, `<hostname>-<pid>`). */
  defaultHelp?: string;
  /** Validates and converts the raw string; an optional setting without a default is `.optional()` here. */
  schema: S;
  /** One line for `--help`. */
  help: string;
  /** Never echo the value in messages. */
  secret?: boolean;
  /** A flag given several times (or a comma-separated variable) collects into an array. */
  repeatable?: boolean;
}

/** An app's settings by key (the key is the flag's camelCase name and the property of the resolved values). */
export type SettingsTable = Record<string, Setting>;

/** The validated values of a table. */
export type SettingsValues<T extends SettingsTable> = { [K in keyof T]: z.output<T[K]['schema']> };

/** Identity, typed: declares a table and keeps each schema's type for {@link SettingsValues}. */
export function defineSettings<const T extends SettingsTable>(table: T): T {
  for (const [key, setting] of Object.entries(table)) {
    if (setting.flag !== undefined && new Option(setting.flag).attributeName() !== key) {
      throw new Error(`setting ${key}: flag ${setting.flag} parses to another key`);
    }
  }
  return table;
}

/** The flag alone, without its argument (`--max-batch`). */
export function flagName(setting: Setting): string | undefined {
  return setting.flag?.split(/[ =]/)[0];
}

/** How messages name a setting: `--max-batch (METACLIP_MAX_BATCH)`, or the variable alone for an env-only one. */
export function describeSetting(setting: Setting): string {
  const flag = flagName(setting);
  return flag === undefined ? setting.env : `${flag} (${setting.env})`;
}

/** Where values come from: commander's parsed flags (undefined: not given) and the environment. */
export interface SettingsSources {
  flags?: Record<string, unknown>;
  env: Record<string, string | undefined>;
  /** Told once per deprecated variable in use; default: a line on stderr. */
  warn?: (message: string) => void;
}

/** A problem a cross-setting check found: the key of the setting to change and what is wrong. */
export interface SettingProblem {
  key: string;
  message: string;
}

/** Compose and Kubernetes pass unset settings as empty strings; those count as absent. */
function present(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function fromEnv(setting: Setting, sources: SettingsSources): string | undefined {
  const value = present(sources.env[setting.env]);
  if (value !== undefined) return value;
  for (const old of setting.deprecatedEnv ?? []) {
    const legacy = present(sources.env[old]);
    if (legacy === undefined) continue;
    const warn = sources.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
    warn(`${old} is deprecated and will stop working in the next release; set ${setting.env} instead`);
    return legacy;
  }
  return undefined;
}

function rawValue(key: string, setting: Setting, sources: SettingsSources): unknown {
  const flag = sources.flags?.[key];
  if (flag !== undefined) return flag;
  const env = fromEnv(setting, sources);
  if (env !== undefined) return setting.repeatable ? env.split(',').map((v) => v.trim()) : env;
  return setting.default;
}

/**
 * Pure: each setting from its flag, else its variable (else a deprecated one, with a warning), else its default;
 * all validated at once so one start-up names every problem.
 *
 * @param check cross-setting rules, run once every setting is valid on its own.
 * @throws {@link ConfigError} naming each bad setting by flag and variable, with the value given (unless secret).
 */
export function resolveSettings<T extends SettingsTable>(
  table: T,
  sources: SettingsSources,
  check?: (values: SettingsValues<T>) => SettingProblem[],
): SettingsValues<T> {
  const raw: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(table)) raw[key] = rawValue(key, setting, sources);
  const schema = z.object(Object.fromEntries(Object.entries(table).map(([key, s]) => [key, s.schema])));
  const parsed = schema.safeParse(raw);
  const problem = (key: string, message: string) => {
    const setting = table[key];
    if (!setting) return message;
    const got = raw[key];
    const shown = typeof got === 'string' && !setting.secret ? ` (got ${JSON.stringify(redactSecrets(got))})` : '';
    return `${describeSetting(setting)}: ${message}${shown}`;
  };
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => problem(String(issue.path[0] ?? ''), issue.message)));
  }
  const values = parsed.data as SettingsValues<T>;
  const problems = check?.(values) ?? [];
  if (problems.length > 0) throw new ConfigError(problems.map((p) => problem(p.key, p.message)));
  return values;
}
