/**
 * Settings tables shared by every app: declare each setting once (flag, environment variable, default, zod schema,
 * help) and derive the commander options, the validation, the help and one configuration-error format from it.
 *
 * @example
 * ```ts
 * import { addSettingOptions, defineSettings, resolveSettings } from '@metaclip-batch/settings';
 * import { Command } from 'commander';
 * import { z } from 'zod';
 *
 * const SETTINGS = defineSettings({
 *   maxBatch: { flag: '--max-batch <n>', env: 'METACLIP_MAX_BATCH', default: 32,
 *               schema: z.coerce.number().int().min(1), help: 'largest model batch' },
 * });
 * const program = addSettingOptions(new Command('worker'), SETTINGS);
 * console.log(program.helpInformation());
 * console.log(resolveSettings(SETTINGS, { flags: {}, env: { METACLIP_MAX_BATCH: '64' } }));
 * try {
 *   resolveSettings(SETTINGS, { flags: { maxBatch: '0' }, env: {} });
 * } catch (err) {
 *   console.log(String(err));
 * }
 * // Usage: worker [options]
 * //
 * // Options:
 * //   --max-batch <n>  largest model batch (default: 32; env: METACLIP_MAX_BATCH)
 * //   -h, --help       display help for command
 * //
 * // { maxBatch: 64 }
 * // ConfigError: invalid configuration:
 * //   --max-batch (METACLIP_MAX_BATCH): Too small: expected number to be >=1 (got "0")
 * ```
 *
 * @module @metaclip-batch/settings
 */
export { addSettingOptions, envOnlyHelp, settingHelp } from './commander.ts';
export { ConfigError, EXIT_CONFIG } from './config-error.ts';
export { MODEL_REF_SETTINGS } from './model-settings.ts';
export { REDIS_CONNECTION_SETTINGS } from './redis-settings.ts';
export {
  deviceSchema,
  keyPrefixSchema,
  logLevelSchema,
  modelRefSchema,
  redisUrlSchema,
  switchSchema,
} from './schemas.ts';
export { signalExitCode } from './signals.ts';
export {
  defineSettings,
  describeSetting,
  flagName,
  resolveSettings,
  type Setting,
  type SettingProblem,
  type SettingsSources,
  type SettingsTable,
  type SettingsValues,
} from './table.ts';
