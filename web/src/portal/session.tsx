/**
 * The portal visitor's session, apart from the internal app's (state/session.tsx): its own
 * `/me`, its own 401 handling, no metadata. One provider per tenant (the portal's cookie is
 * scoped to the tenant's API path, so each tenant's portal has its own sign-in).
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { ApiError } from '../api/client';
import type { Lang } from '../api/types';
import { normaliseLang, useI18n } from '../i18n';
import { onPortalUnauthorized, portalApi, type PortalApi } from './api';
import type { PortalInfo, PortalMe, PortalSession } from './types';

type Status = 'loading' | 'anonymous' | 'authenticated' | 'offline';

interface PortalSessionValue {
  tenant: string;
  api: PortalApi;
  status: Status;
  me: PortalMe | null;
  /** The tenant as /info answers it; `null` while loading; `'missing'` when it has no portal. */
  info: PortalInfo | null | 'missing';
  /** The name to show for the company: display name once known, else the URL's name. */
  companyName: string;
  /** True once a session ended under the visitor (a 401 mid-use), until the next sign-in. */
  expired: boolean;
  refresh: () => Promise<void>;
  signedIn: (session: PortalSession) => void;
  signOut: () => Promise<void>;
  /** Switch the language here and, signed in, on the server (labels and mails follow it). */
  changeLanguage: (lang: Lang) => void;
}

const Context = createContext<PortalSessionValue | null>(null);

export function PortalSessionProvider({ tenant, children }: { tenant: string; children: ReactNode }) {
  const { lang, setLang, adoptLang } = useI18n();
  const api = useMemo(() => portalApi(tenant), [tenant]);
  const [status, setStatus] = useState<Status>('loading');
  const [me, setMe] = useState<PortalMe | null>(null);
  const [info, setInfo] = useState<PortalInfo | null | 'missing'>(null);
  const [expired, setExpired] = useState(false);
  // Bumped by every sign-in and sign-out: a /me answer asked for before one is out of date (an
  // emailed link redeemed while the first /me was on its way must not be undone by its 401).
  const epoch = useRef(0);

  const refresh = useCallback(async () => {
    const asked = epoch.current;
    try {
      const found = await api.me();
      if (asked !== epoch.current) return;
      adoptLang(found.locale);
      setMe(found);
      setStatus('authenticated');
    } catch (e) {
      if (asked !== epoch.current) return;
      setMe(null);
      setStatus(e instanceof ApiError && (e.status === 0 || e.status >= 500) ? 'offline' : 'anonymous');
    }
  }, [api, adoptLang]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  useEffect(() => {
    const ctrl = new AbortController();
    api
      .info(ctrl.signal)
      .then((found) => setInfo(found))
      .catch((e: unknown) => {
        if (!ctrl.signal.aborted && e instanceof ApiError && e.status === 404) setInfo('missing');
      });
    return () => ctrl.abort();
  }, [api]);

  useEffect(() => {
    onPortalUnauthorized(() => {
      epoch.current += 1;
      setMe(null);
      setExpired(true);
      setStatus('anonymous');
    });
    return () => onPortalUnauthorized(null);
  }, []);

  const signedIn = useCallback(
    (session: PortalSession) => {
      epoch.current += 1;
      adoptLang(session.me.locale);
      setMe(session.me);
      setExpired(false);
      setStatus('authenticated');
    },
    [adoptLang],
  );

  const signOut = useCallback(async () => {
    try {
      await api.logout();
    } catch {
      /* the session is gone either way */
    }
    epoch.current += 1;
    setMe(null);
    setExpired(false);
    setStatus('anonymous');
  }, [api]);

  const changeLanguage = useCallback((next: Lang) => setLang(next), [setLang]);

  // The page's language and the portal user's locale (the API's labels, the mails) stay one:
  // a switch here, or a choice kept in this browser from before signing in, is sent to the
  // server; without such a choice the page took the user's locale when they signed in.
  const asked = useRef<string | null>(null);
  useEffect(() => {
    if (status !== 'authenticated' || !me || normaliseLang(me.locale) === lang || asked.current === `${me.id}:${lang}`) return;
    asked.current = `${me.id}:${lang}`;
    api.updateMe({ locale: lang }).then(setMe, () => undefined);
  }, [api, status, me, lang]);

  const companyName = me?.tenant.display_name || (info && info !== 'missing' ? info.tenant.display_name : '') || tenant;
  const value = useMemo<PortalSessionValue>(
    () => ({ tenant, api, status, me, info, companyName, expired, refresh, signedIn, signOut, changeLanguage }),
    [tenant, api, status, me, info, companyName, expired, refresh, signedIn, signOut, changeLanguage],
  );
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function usePortal(): PortalSessionValue {
  const ctx = useContext(Context);
  if (!ctx) throw new Error('usePortal outside PortalSessionProvider');
  return ctx;
}
