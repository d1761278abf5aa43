import { useCallback, useState } from 'react';

/**
 * The busy flag and error message of a form that sends one request at a time. `run` clears the
 * error, marks the form busy, and on failure shows what `onError` makes of the error (null: the
 * handler placed it elsewhere, e.g. on a field, so no message).
 */
export function useSubmission() {
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(async (action: () => Promise<void>, onError: (e: unknown) => string | null) => {
    setSubmitting(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(onError(e));
    } finally {
      setSubmitting(false);
    }
  }, []);
  return { submitting, error, setError, run };
}
