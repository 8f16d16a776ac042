/**
 * Pure: how one run changes an index's key assignment. A run's image that the index already holds keeps its key (its
 * new vector replaces the old one under that key); a new image takes a free key, else the next slot; an indexed image
 * missing from the source's current listing is removed and frees its key. `listed === null` (a source that cannot be
 * listed again, such as a manifest file) removes nothing.
 */
export interface KeyPlan {
  /** Key of each row of the run, in the run's order. */
  keys: number[];
  /** Keys whose vectors the run replaces (images already indexed). */
  replaced: number[];
  /** Images new to the index. */
  added: number;
  /** Keys removed because their image is gone from the source. */
  removed: number[];
  /** Slots after the update (rows of `vectors.npy`). */
  slots: number;
}

/** The current keys of an index: image_path -> key, the free keys (ascending) and the slot count. */
export interface KeyState {
  byPath: Map<string, number>;
  free: number[];
  slots: number;
}

export function planKeys(
  state: KeyState,
  runPaths: readonly string[],
  listed: { has(path: string): boolean } | null,
): KeyPlan {
  const byPath = new Map(state.byPath);
  const free = [...state.free].reverse(); // pop() takes the smallest
  let slots = state.slots;
  const replaced: number[] = [];
  let added = 0;
  const keys = runPaths.map((p) => {
    const existing = byPath.get(p);
    if (existing !== undefined) {
      replaced.push(existing);
      return existing;
    }
    added++;
    const key = free.pop() ?? slots++;
    byPath.set(p, key);
    return key;
  });
  const inRun = new Set(runPaths);
  const removed: number[] = [];
  if (listed !== null) {
    for (const [p, key] of byPath) if (!inRun.has(p) && !listed.has(p)) removed.push(key);
  }
  return { keys, replaced, added, removed: removed.sort((a, b) => a - b), slots };
}
