/** Messages per place in the builder (`group_by.0.field`, `chart.value`, `name`). */
export type Errors = Record<string, string>;

/** A control's error (and those of the parts below it): antd's status and help. */
export function at(errors: Errors, path: string, below = false): { validateStatus?: 'error'; help?: string } {
  const own = errors[path];
  const nested = below ? Object.entries(errors).filter(([k]) => k.startsWith(`${path}.`)).map(([, v]) => v) : [];
  const text = [own, ...nested].filter(Boolean).join('; ');
  return text ? { validateStatus: 'error', help: text } : {};
}

/** Errors no control shows (the builder lists them above the preview). */
export function unplaced(errors: Errors, placed: (path: string) => boolean): string[] {
  return Object.entries(errors)
    .filter(([k]) => !placed(k))
    .map(([, v]) => v);
}
