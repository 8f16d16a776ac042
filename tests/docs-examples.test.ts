/**
 * The TSDoc `@example` blocks of libs/ and apps/ are documentation users copy: each complete one (it starts with an
 * `import`) runs here as the user would run it, from the repository root with tsx and the workspaces' sources, and
 * when it ends with an expected-output comment (the `// ...` lines after its last `console.log`) its stdout must
 * match. An example that needs a service the suite does not give it says so in its first line,
 * `// not run: <why>`, and is reported as skipped; any other fragment fails, so no example is silently left out.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../scripts/lib/local-run';

const run = promisify(execFile);

/**
 * Where an example's program is written: the git-ignored .cache/ of its own workspace, so its imports resolve as the
 * workspace's code does (its node_modules, then the checkout's): the root's `commander`, say, is another package's
 * old copy, not the one libs/settings uses.
 */
const workDir = (where: string) => path.join(repoRoot, ...where.split('/').slice(0, 2), '.cache', 'docs-examples');
/** Loading the tiny model takes seconds; this is only there so a hung example fails instead of stalling the run. */
const EXAMPLE_TIMEOUT_MS = 120_000;
/** onnxruntime's last digits differ across machines and builds. */
const NUMBER_TOLERANCE = 1e-4;

interface Example {
  /** Where the example starts, `libs/x/src/y.ts:12`. */
  where: string;
  code: string;
}

/** Every `@example` block's fenced ```ts code in the TypeScript sources (tests excluded), comment markers stripped. */
async function findExamples(): Promise<Example[]> {
  const examples: Example[] = [];
  for (const top of ['libs', 'apps']) {
    for (const workspace of (await readdir(path.join(repoRoot, top))).sort()) {
      const src = path.join(top, workspace, 'src');
      for (const rel of (await readdir(path.join(repoRoot, src), { recursive: true })).sort()) {
        if (!rel.endsWith('.ts') || rel.endsWith('.test.ts')) continue;
        const file = path.join(src, rel);
        examples.push(...parseExamples(file, await readFile(path.join(repoRoot, file), 'utf8')));
      }
    }
  }
  return examples;
}

/** The examples of one source file: after each `@example` tag, the lines between its ```ts fence and the closing one. */
function parseExamples(file: string, source: string): Example[] {
  const lines = source.split('\n');
  const examples: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*\*\s*@example\b/.test(lines[i] as string)) continue;
    const open = lines.findIndex((l, j) => j > i && /^\s*\*\s*```ts\s*$/.test(l));
    const close = lines.findIndex((l, j) => j > open && /^\s*\*\s*```\s*$/.test(l));
    if (open < 0 || close < 0) throw new Error(`${file}:${i + 1}: @example without a \`\`\`ts fenced block`);
    const code = lines.slice(open + 1, close).map((l) => l.replace(/^\s*\* ?/, ''));
    examples.push({ where: `${file}:${i + 1}`, code: `${code.join('\n')}\n` });
    i = close;
  }
  return examples;
}

/** The trailing `// ...` lines after the last `console.log`, without their markers; undefined when there are none. */
function expectedOutput(code: string): string | undefined {
  const lines = code.trimEnd().split('\n');
  let start = lines.length;
  while (start > 0 && /^\s*\/\//.test(lines[start - 1] as string)) start--;
  const hasLog = lines.slice(0, start).some((l) => l.includes('console.log('));
  if (start === lines.length || !hasLog) return undefined;
  return lines
    .slice(start)
    .map((l) => l.replace(/^\s*\/\/ ?/, ''))
    .join('\n');
}

const NUMBER = /(?<![\w.])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![\w.])/gi;

/**
 * `actual` with each number that is within the tolerance of the number at the same place in `expected` written as
 * `expected` writes it, whitespace collapsed: equal to the collapsed `expected` exactly when the outputs match.
 */
function alignNumbers(actual: string, expected: string): { actual: string; expected: string } {
  const collapse = (s: string) => s.trim().replace(/\s+/g, ' ');
  const want = collapse(expected);
  const wanted = [...want.matchAll(NUMBER)].map((m) => m[0]);
  let n = 0;
  const got = collapse(actual).replace(NUMBER, (text) => {
    const other = wanted[n++];
    if (other === undefined) return text;
    const [a, b] = [Number(text), Number(other)];
    return Math.abs(a - b) <= NUMBER_TOLERANCE * Math.max(1, Math.abs(b)) ? other : text;
  });
  return { actual: got, expected: want };
}

/** A name for the example's file: its source path and line, flattened. */
const fileName = (where: string) => `${where.replace(/[/:.]/g, '_')}.ts`;

const examples = await findExamples();

describe('the TSDoc @example blocks', () => {
  // A parser that found none would leave nothing to fail below.
  it('are found (9 files had them when this test was written)', () => {
    expect(new Set(examples.map((e) => e.where.split(':')[0])).size).toBeGreaterThanOrEqual(9);
  });

  for (const example of examples) {
    const first = example.code.trimStart().split('\n')[0] as string;
    const notRun = /^\/\/ not run: (.+)/.exec(first)?.[1];
    it.skipIf(notRun !== undefined)(`${example.where} runs${notRun ? ` (not run: ${notRun})` : ''}`, async () => {
      expect(
        first.startsWith('import '),
        `${example.where}: an example is a complete program (it starts with an import) or says why it is not run ` +
          `in its first line (// not run: <why>), not a fragment:\n${example.code}`,
      ).toBe(true);
      const dir = workDir(example.where);
      await mkdir(dir, { recursive: true });
      const file = path.join(dir, fileName(example.where));
      await writeFile(file, example.code);
      const tsx = path.join(repoRoot, 'node_modules/tsx/dist/cli.mjs');
      const { stdout } = await run(process.execPath, [tsx, '--conditions=source', file], {
        cwd: repoRoot,
        timeout: EXAMPLE_TIMEOUT_MS,
      }).catch((err: Error & { stdout?: string; killed?: boolean }) => {
        // The message is the command and its stderr.
        const killed = err.killed ? ` (killed after ${EXAMPLE_TIMEOUT_MS / 1000} s)` : '';
        throw new Error(`${example.where}: the example failed${killed}: ${err.message}\nstdout:\n${err.stdout ?? ''}`);
      });
      const expected = expectedOutput(example.code);
      if (expected === undefined) return;
      const aligned = alignNumbers(stdout, expected);
      expect(
        aligned.actual,
        `${example.where}: the output differs from the example's expected-output comment\n` +
          `--- expected\n${expected}\n+++ actual\n${stdout}`,
      ).toBe(aligned.expected);
    });
  }
});
