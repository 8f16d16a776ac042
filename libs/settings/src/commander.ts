/** A settings table as commander options, with the help derived from each entry. */
import { type Command, Option } from 'commander';
import type { Setting, SettingsTable } from './table.ts';

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function shownDefault(setting: Setting): string | undefined {
  return setting.defaultHelp ?? (setting.default === undefined ? undefined : String(setting.default));
}

/** `--help`'s line for a setting: its help, then the default and the variable that also sets it. */
export function settingHelp(setting: Setting): string {
  const shown = shownDefault(setting);
  const notes = [...(shown === undefined ? [] : [`default: ${shown}`]), `env: ${setting.env}`];
  return `${setting.help} (${notes.join('; ')})`;
}

/**
 * Adds an option per setting that has a flag. Commander applies no defaults: a flag left out stays undefined, so
 * {@link resolveSettings} can fall back to the environment before the default.
 */
export function addSettingOptions(cmd: Command, table: SettingsTable): Command {
  for (const setting of Object.values(table)) {
    if (setting.flag === undefined) continue;
    const option = new Option(setting.flag, settingHelp(setting));
    cmd.addOption(setting.repeatable ? option.argParser(collect) : option);
  }
  return cmd;
}

/** An `Environment:` section for settings that have no flag (the others say their variable in their own line). */
export function envOnlyHelp(table: SettingsTable): string {
  const rows = Object.values(table).filter((s) => s.flag === undefined);
  if (rows.length === 0) return '';
  const width = Math.max(...rows.map((s) => s.env.length)) + 2;
  return `\nEnvironment:\n${rows.map((s) => `  ${s.env.padEnd(width)}${s.help}${defaultOnly(s)}`).join('\n')}\n`;
}

function defaultOnly(setting: Setting): string {
  const shown = shownDefault(setting);
  return shown === undefined ? '' : ` (default: ${shown})`;
}
