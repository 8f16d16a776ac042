/**
 * Telling model references apart: a local folder or a Hugging Face hub id such as
 * `facebook/metaclip-b16-fullcc2.5b` (optionally `@revision`). Pure string rules, no file system.
 */

/** A parsed hub reference. */
export interface HubRef {
  /** `org/name` (or a bare `name` for legacy un-namespaced repos). */
  repoId: string;
  /** Branch, tag, commit hash or `refs/pr/N`; undefined means the default branch. */
  revision: string | undefined;
}

/** The default branch of hub repositories. */
export const DEFAULT_REVISION = 'main';

/** Hub naming rules: letters, digits, `-`, `_`, `.`; no leading or trailing separator, no `--` or `..`. */
const SEGMENT = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$/;

const COMMIT_HASH = /^[0-9a-f]{40}$/;

/** True for a full 40-hex git commit hash, the only revision whose content can never move. */
export function isCommitHash(revision: string): boolean {
  return COMMIT_HASH.test(revision);
}

/**
 * True when `ref` is written like a file system path (absolute, `./`, `../`, `~`, or with a backslash), so it
 * must never be sent to the hub even when no such folder exists.
 */
export function looksLikePath(ref: string): boolean {
  return /^(?:\/|\.{1,2}(?:\/|$)|~)/.test(ref) || ref.includes('\\');
}

/**
 * Parses `org/name[@revision]` (or `name[@revision]`). Returns null for anything that cannot be a hub id, so the
 * caller can report "neither a folder nor a hub id". An explicit `revision` argument overrides one in `ref`.
 */
export function parseHubRef(ref: string, revision?: string): HubRef | null {
  if (looksLikePath(ref)) return null;
  const at = ref.indexOf('@');
  const repoId = at === -1 ? ref : ref.slice(0, at);
  const refRevision = at === -1 ? undefined : ref.slice(at + 1);
  if (refRevision !== undefined && refRevision.length === 0) return null;
  const segments = repoId.split('/');
  if (segments.length > 2 || !segments.every((s) => SEGMENT.test(s) && !s.includes('--') && !s.includes('..'))) {
    return null;
  }
  return { repoId, revision: revision ?? refRevision };
}
