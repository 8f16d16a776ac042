import { describe, expect, it } from 'vitest';
import { formatValue, renderBarChart } from './chart';

describe('renderBarChart', () => {
  const svg = renderBarChart({
    title: 'speed <&> "quotes"',
    sections: [
      {
        title: 'Throughput',
        unit: 'img/s',
        bars: [
          { label: 'ours', value: 40, min: 38, max: 42, highlight: true },
          { label: 'theirs', value: 20 },
        ],
      },
      { title: 'Enqueue', unit: 'URIs/s', bars: [{ label: 'producer', value: 120_000 }] },
    ],
  });

  it('is well-formed SVG with escaped text', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('speed &#60;&#38;&#62; &#34;quotes&#34;');
    expect(svg).toMatch(/^<svg[^>]*>\n<title>speed &#60;/);
    expect(svg).not.toMatch(/<text[^>]*>[^<]*[&](?!#\d+;)/);
  });

  it('scales each section to its own largest value, from zero', () => {
    const widths = [...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    // ours (whisker max 42 sets the scale), theirs, producer (alone in its section: full width).
    expect(widths).toHaveLength(3);
    const [ours, theirs, producer] = widths as [number, number, number];
    expect(theirs / ours).toBeCloseTo(0.5, 2);
    expect(ours / producer).toBeCloseTo(40 / 42, 2);
    expect(svg).toContain('>120,000</text>');
  });

  it('draws a whisker only where a range was measured', () => {
    expect(svg.match(/<path /g)).toHaveLength(1);
  });
});

describe('formatValue', () => {
  it('keeps three significant digits for small numbers and groups large ones', () => {
    expect(formatValue(1.23456)).toBe('1.23');
    expect(formatValue(0.0123456)).toBe('0.0123');
    expect(formatValue(0.99983)).toBe('0.9998');
    expect(formatValue(0.5)).toBe('0.5');
    expect(formatValue(123456.7)).toBe('123,457');
  });
});
