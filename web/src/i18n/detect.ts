/**
 * Which language to show, without React: the boot (src/boot.ts) needs it before the app loads.
 */
import type { Lang } from '../api/types';

export const LANG_STORAGE_KEY = 'keyi.lang';

export function normaliseLang(value: string | null | undefined): Lang | null {
  if (!value) return null;
  const v = value.toLowerCase();
  if (v.startsWith('zh')) return 'zh-CN';
  if (v.startsWith('en')) return 'en';
  return null;
}

/** The language chosen in this browser (under `storageKey`), else the browser's, else zh-CN. */
export function detectLang(storageKey: string = LANG_STORAGE_KEY): Lang {
  try {
    const stored = normaliseLang(localStorage.getItem(storageKey));
    if (stored) return stored;
  } catch {
    /* storage unavailable */
  }
  if (typeof navigator !== 'undefined') {
    for (const l of navigator.languages ?? [navigator.language]) {
      const n = normaliseLang(l);
      if (n) return n;
    }
  }
  return 'zh-CN';
}
