import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiError, onUnauthorized } from '../api/client';
import { api } from '../api/endpoints';
import { peekBootSession, takeBootSession } from '../boot';
import type { Session, User } from '../api/types';
import { useI18n } from '../i18n';
import { DEFAULT_FORMAT, type FormatSettings } from '../lib/format';

type Status = 'loading' | 'anonymous' | 'authenticated' | 'offline';

interface SessionValue {
  status: Status;
  session: Session | null;
  /** Re-read /api/v1/me. */
  refresh: () => Promise<void>;
  /** Store the answer of a successful login. */
  signedIn: (session: Session) => void;
  logout: () => Promise<void>;
}

const SessionContext = createContext<SessionValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const { adoptLang } = useI18n();
  // The boot's answer when it is already in: the first render is signed in, not a spinner.
  const [booted] = useState(peekBootSession);
  const [status, setStatus] = useState<Status>(booted ? 'authenticated' : 'loading');
  const [session, setSession] = useState<Session | null>(booted ? { user: booted.user, tenant: booted.tenant } : null);

  const refresh = useCallback(async () => {
    try {
      const me = await (takeBootSession() ?? api.me());
      adoptLang(me.user?.language);
      setSession({ user: me.user, tenant: me.tenant });
      setStatus('authenticated');
    } catch (e) {
      setSession(null);
      if (e instanceof ApiError && (e.status === 0 || e.status >= 500)) setStatus('offline');
      else setStatus('anonymous');
    }
  }, [adoptLang]);

  useEffect(() => {
    if (booted && takeBootSession()) adoptLang(booted.user?.language);
    else void refresh();
  }, [refresh, booted, adoptLang]);

  useEffect(() => {
    onUnauthorized(() => {
      setSession(null);
      setStatus('anonymous');
    });
    return () => onUnauthorized(null);
  }, []);

  const signedIn = useCallback(
    (s: Session) => {
      adoptLang(s.user?.language);
      setSession({ user: s.user, tenant: s.tenant });
      setStatus('authenticated');
    },
    [adoptLang],
  );

  const logout = useCallback(async () => {
    try {
      await api.logout();
    } catch {
      /* the session is gone either way */
    }
    setSession(null);
    setStatus('anonymous');
  }, []);

  const value = useMemo(() => ({ status, session, refresh, signedIn, logout }), [status, session, refresh, signedIn, logout]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const ctx = useContext(SessionContext);
  if (!ctx) throw new Error('useSession outside SessionProvider');
  return ctx;
}

/** The signed-in user, or null (also outside a SessionProvider, e.g. in component tests). */
export function useCurrentUser(): User | null {
  return useContext(SessionContext)?.session?.user ?? null;
}

/** Formatting settings: tenant locale/currency/time zone + UI language. */
export function useFormatSettings(): FormatSettings {
  const { lang } = useI18n();
  const ctx = useContext(SessionContext);
  const tenant = ctx?.session?.tenant;
  return useMemo(
    () => ({
      lang,
      locale: tenant?.locale || DEFAULT_FORMAT.locale,
      currency: tenant?.currency || DEFAULT_FORMAT.currency,
      timeZone: tenant?.time_zone || DEFAULT_FORMAT.timeZone,
    }),
    [lang, tenant?.locale, tenant?.currency, tenant?.time_zone],
  );
}
