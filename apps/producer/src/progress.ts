import type { EnqueueProgress, RunState } from '@metaclip-batch/jobs';
import { progress } from '@metaclip-batch/jobs';
import type { Logger } from '@metaclip-batch/telemetry';
import cliProgress from 'cli-progress';
import { formatCount, formatDuration } from './format.ts';

/** Shows how enqueuing and a followed run are going. */
export interface ProgressView {
  enqueue(p: EnqueueProgress): void;
  run(state: RunState): void;
  stop(): void;
}

/** Plain log lines at most this often (non-TTY: CI logs, `kubectl logs`). */
const LOG_EVERY_MS = 5000;

/**
 * A progress bar (cli-progress) when stderr is a terminal, else throttled structured log lines: a bar redrawn in a log
 * file is noise, while a line every few seconds still shows a job is alive.
 */
export function createProgressView(opts: { tty: boolean; stream: NodeJS.WritableStream; log: Logger }): ProgressView {
  const started = Date.now();
  const perSecond = (n: number) => Math.round(n / Math.max(0.001, (Date.now() - started) / 1000));
  if (!opts.tty) {
    let last = 0;
    const due = (force: boolean) => {
      const now = Date.now();
      if (!force && now - last < LOG_EVERY_MS) return false;
      last = now;
      return true;
    };
    return {
      enqueue(p) {
        if (due(false)) opts.log.info({ ...p, urisPerSecond: perSecond(p.listed) }, 'enqueuing');
      },
      run(s) {
        const p = progress(s, Date.now());
        if (due(s.finishedAt !== undefined)) {
          opts.log.info(
            {
              runId: s.runId,
              status: s.status,
              shardsDone: s.shardsDone,
              shardsFailed: s.shardsFailed,
              shardsTotal: s.shardsTotal,
              rate: Math.round(p.rate),
              etaSeconds: p.etaSeconds,
            },
            'run progress',
          );
        }
      },
      stop() {},
    };
  }
  let bar: cliProgress.SingleBar | null = null;
  let mode: 'enqueue' | 'run' | null = null;
  const show = (next: 'enqueue' | 'run', format: string, value: number, total: number, payload: object) => {
    if (mode !== next || !bar) {
      bar?.stop();
      bar = new cliProgress.SingleBar(
        { format, stream: opts.stream, hideCursor: true, fps: 5 },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, value, payload);
      mode = next;
      return;
    }
    bar.setTotal(total);
    bar.update(value, payload);
  };
  return {
    enqueue(p) {
      show(
        'enqueue',
        'enqueue | {listed} listed | {selected} selected | {shards} shards | {added} jobs | {rate} URIs/s',
        0,
        0,
        {
          listed: formatCount(p.listed),
          selected: formatCount(p.selected),
          shards: formatCount(p.shards),
          added: formatCount(p.added),
          rate: formatCount(perSecond(p.listed)),
        },
      );
    },
    run(s) {
      const p = progress(s, Date.now());
      show(
        'run',
        'run {bar} {percentage}% | {value}/{total} shards | {failed} failed | {rate} img/s | ETA {eta}',
        s.shardsDone + s.shardsFailed,
        Math.max(1, s.shardsTotal),
        { failed: formatCount(s.shardsFailed), rate: formatCount(p.rate), eta: formatDuration(p.etaSeconds) },
      );
    },
    stop() {
      bar?.stop();
      bar = null;
      mode = null;
    },
  };
}
