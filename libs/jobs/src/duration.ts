/**
 * Seconds as people read a run's elapsed time or ETA: `9s`, `2m 5s`, `1h 2m`, `1d 1h`; `-` when unknown. `pad`
 * writes the second unit in two digits (`2m 05s`, `1h 02m`), for columns that must line up in a terminal.
 */
export function formatDuration(seconds: number | null, { pad = false }: { pad?: boolean } = {}): string {
  if (seconds === null || !Number.isFinite(seconds)) return '-';
  const s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const two = (n: number) => (pad ? String(n).padStart(2, '0') : String(n));
  if (d > 0) return `${d}d ${two(h)}h`;
  if (h > 0) return `${h}h ${two(m)}m`;
  if (m > 0) return `${m}m ${two(s % 60)}s`;
  return `${s}s`;
}
