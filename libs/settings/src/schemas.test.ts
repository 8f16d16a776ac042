import { describe, expect, it } from 'vitest';
import { keyPrefixSchema, switchSchema } from './schemas.ts';

describe('shared schemas', () => {
  it('accepts key prefixes with at most one Redis Cluster hash tag', () => {
    for (const ok of ['metaclip', 'team.a_b-c', '{metaclip}', 'a{tag}b'])
      expect(keyPrefixSchema.safeParse(ok).success, ok).toBe(true);
    for (const bad of ['', 'a:b', '{a}{b}', '{}', 'a{b', 'a}b', 'a b'])
      expect(keyPrefixSchema.safeParse(bad).success, bad).toBe(false);
  });

  it('reads a switch from a flag or a variable', () => {
    expect([true, '1', 'true'].map((v) => switchSchema.parse(v))).toEqual([true, true, true]);
    expect([false, '0', 'false', ''].map((v) => switchSchema.parse(v))).toEqual([false, false, false, false]);
    expect(switchSchema.safeParse('yes').success).toBe(false);
  });
});
