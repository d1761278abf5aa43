/**
 * Setup › Jobs without React: which tab opens first, how a retried job changes what is shown,
 * and the one-line summary of an error. Kept apart so the page stays about layout.
 */
import type { JobEntry, JobStatus } from './api';

/** Tag colours per status: dead jobs are the ones that need someone's attention. */
export const JOB_STATUS_COLORS: Record<JobStatus, string> = { pending: 'processing', done: 'success', dead: 'error' };

/** Open on the failed jobs when there are any (they are what an administrator comes for). */
export function defaultJobStatus(counts: Record<JobStatus, number>): JobStatus {
  return counts.dead > 0 ? 'dead' : 'pending';
}

/**
 * The list and counts after `job` was retried: its row shows the job as it is now (pending,
 * no attempts) in place, so the administrator sees what happened to the row they clicked,
 * and it moves from the dead count to the pending one.
 */
export function applyRetried(
  jobs: JobEntry[],
  counts: Record<JobStatus, number>,
  job: JobEntry,
): { jobs: JobEntry[]; counts: Record<JobStatus, number> } {
  const before = jobs.find((j) => j.id === job.id);
  const next = { ...counts };
  if (before && before.status !== job.status) {
    next[before.status] = Math.max(0, next[before.status] - 1);
    next[job.status] += 1;
  }
  return { jobs: jobs.map((j) => (j.id === job.id ? job : j)), counts: next };
}

/** An error's first line, cut to `max` characters (the full text is in its tooltip and expanded row). */
export function errorSummary(error: string, max = 80): string {
  const line = error.trim().split('\n', 1)[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The payload as indented JSON for reading; a value JSON cannot show is shown as text. */
export function prettyPayload(payload: unknown): string {
  try {
    return JSON.stringify(payload, null, 2) ?? String(payload);
  } catch {
    return String(payload);
  }
}
