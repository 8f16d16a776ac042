import { describe, expect, it } from 'vitest';
import { planQueueChanges, wantedQueues } from './queue-registry.ts';

describe('queue discovery', () => {
  it('wants the configured queues plus those runs name, once each, sorted', () => {
    expect(wantedQueues([{ queue: 'b' }, { queue: 'a' }, { queue: 'b' }], ['c', 'a'])).toEqual(['a', 'b', 'c']);
    expect(wantedQueues([], [])).toEqual([]);
  });

  it('opens what is new and closes what no run names any more', () => {
    expect(planQueueChanges(['a', 'b'], ['b', 'c'])).toEqual({ add: ['c'], remove: ['a'] });
    expect(planQueueChanges(['a'], ['a'])).toEqual({ add: [], remove: [] });
  });
});
