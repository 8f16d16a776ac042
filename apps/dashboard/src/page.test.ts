import type { RunState } from '@metaclip-batch/jobs';
import { describe, expect, it } from 'vitest';
import { escapeHtml, renderRunRow, renderRunsPage } from './page.ts';
import { runsSummary, runView } from './runs-view.ts';

const evil = '<img src=x onerror=alert(1)>';

function state(): RunState {
  return {
    runId: 'r1',
    queue: 'q',
    source: 's3://b/',
    output: 's3://b/out/',
    model: 'facebook/metaclip-b16-fullcc2.5b',
    labels: [evil, 'dog'],
    templates: ['a photo of a {}.'],
    topK: 1,
    embedDtype: 'float32',
    shardSize: 10,
    createdAt: 0,
    status: 'running',
    listed: true,
    shardsTotal: 4,
    imagesTotal: 40,
    shardsDone: 1,
    shardsFailed: 0,
    imagesDone: 10,
    imagesFailed: 0,
    shardMs: 0,
    startedAt: 0,
    updatedAt: 0,
  };
}

describe('runs page', () => {
  it('escapes everything that comes from run data', () => {
    expect(escapeHtml(`"'&<>`)).toBe('&#34;&#39;&#38;&#60;&#62;');
    const html = renderRunRow(runView(state(), 1000));
    expect(html).not.toContain('<img');
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;');
  });

  it('renders each run with its progress, and an empty template with the same cells', () => {
    const view = runView(state(), 1000);
    const page = renderRunsPage([view], runsSummary([view]), [], { pollMs: 1500, now: 1000 });
    expect(page).toContain('data-run="r1" data-status="running"');
    expect(page).toContain('<progress max="1" value="0.2500">');
    expect(page).toContain('data-poll-ms="1500"');
    const cells = (row: string) => [...row.matchAll(/data-k="(\w+)"/g)].map((m) => m[1]);
    expect(cells(renderRunRow())).toEqual(cells(renderRunRow(view)));
    expect(page).toContain(`<template id="run-row">${renderRunRow()}</template>`);
  });

  it('says how to start when there are no runs', () => {
    const page = renderRunsPage([], runsSummary([]), [], { pollMs: 1500, now: 0 });
    expect(page).toContain('metaclip-producer enqueue');
    expect(page).toContain('no queues yet');
  });
});
