/**
 * A horizontal bar chart written as plain SVG text: no charting dependency, deterministic output (so the committed
 * chart only changes when the numbers do). Pure.
 */

/** One bar: the median as its length, and optionally the min..max range of the repeats as a whisker. */
export interface Bar {
  label: string;
  value: number;
  min?: number;
  max?: number;
  /** Draws the bar in the accent colour (our pipeline), others in grey (references). */
  highlight?: boolean;
}

/** A group of bars that share one unit and one scale. */
export interface ChartSection {
  title: string;
  unit: string;
  bars: Bar[];
}

/** What {@link renderBarChart} draws. */
export interface ChartSpec {
  title: string;
  subtitle?: string;
  sections: ChartSection[];
  /** Total width in pixels. Default 760. */
  width?: number;
}

const LABEL_W = 230;
const VALUE_W = 130;
const BAR_H = 22;
const BAR_GAP = 8;
const SECTION_HEAD = 30;
const PAD = 16;
const ACCENT = '#2563eb';
const MUTED = '#9ca3af';

/**
 * Renders the chart. Each section gets its own scale (images/s and URIs/s differ by four orders of magnitude), and
 * that scale starts at zero so bar lengths compare honestly.
 */
export function renderBarChart(spec: ChartSpec): string {
  const width = spec.width ?? 760;
  const plotW = width - LABEL_W - VALUE_W - 2 * PAD;
  const out: string[] = [];
  let y = PAD + 20;
  out.push(text(PAD, y, spec.title, { size: 17, weight: 'bold' }));
  if (spec.subtitle) {
    y += 20;
    out.push(text(PAD, y, spec.subtitle, { size: 12, fill: '#4b5563' }));
  }
  y += 12;
  for (const section of spec.sections) {
    y += SECTION_HEAD;
    out.push(text(PAD, y - 8, `${section.title} (${section.unit})`, { size: 13, weight: 'bold' }));
    const top = Math.max(...section.bars.map((b) => Math.max(b.value, b.max ?? 0)), Number.MIN_VALUE);
    const scale = (v: number) => (Math.max(0, v) / top) * plotW;
    for (const bar of section.bars) {
      const x0 = PAD + LABEL_W;
      const mid = y + BAR_H / 2;
      out.push(text(x0 - 8, mid + 4, bar.label, { size: 12, anchor: 'end' }));
      out.push(
        `<rect x="${x0}" y="${y}" width="${fmt(scale(bar.value))}" height="${BAR_H}" rx="2" fill="${bar.highlight ? ACCENT : MUTED}"/>`,
      );
      if (bar.min !== undefined && bar.max !== undefined && bar.max > bar.min) {
        const [a, b] = [x0 + scale(bar.min), x0 + scale(bar.max)];
        out.push(
          `<path d="M${fmt(a)} ${mid}H${fmt(b)}M${fmt(a)} ${mid - 5}V${mid + 5}M${fmt(b)} ${mid - 5}V${mid + 5}" stroke="#111827" stroke-width="1.2" fill="none"/>`,
        );
      }
      out.push(
        text(x0 + plotW + 8, mid + 4, formatValue(bar.value), { size: 12, weight: bar.highlight ? 'bold' : '' }),
      );
      y += BAR_H + BAR_GAP;
    }
  }
  y += PAD - BAR_GAP;
  out.push(text(PAD, y + 4, 'bar: median of rounds; whisker: min..max', { size: 10, fill: '#6b7280' }));
  const height = y + PAD;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<title>${escapeXml(spec.subtitle ? `${spec.title}: ${spec.subtitle}` : spec.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}

/**
 * Formats a value for a label: three significant digits below 100, thousands separators above, and up to four
 * decimals just below 1 (a cosine of 0.9998 is not 1).
 */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 100) return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) >= 0.1 && Math.abs(v) < 1) return Number(v.toFixed(4)).toString();
  return Number(v.toPrecision(3)).toString();
}

interface TextStyle {
  size: number;
  weight?: string;
  fill?: string;
  anchor?: 'start' | 'end';
}

function text(x: number, y: number, content: string, style: TextStyle): string {
  const attrs = [`x="${fmt(x)}"`, `y="${fmt(y)}"`, `font-size="${style.size}"`];
  if (style.weight) attrs.push(`font-weight="${style.weight}"`);
  attrs.push(`fill="${style.fill ?? '#111827'}"`);
  if (style.anchor === 'end') attrs.push('text-anchor="end"');
  return `<text ${attrs.join(' ')}>${escapeXml(content)}</text>`;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function fmt(n: number): string {
  return String(Math.round(n * 10) / 10);
}
