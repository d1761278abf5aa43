/**
 * The customer portal (/portal/:tenant/...): a separate, small app inside the web build.
 *
 * It is loaded lazily by App.tsx outside the internal shell, its RequireAuth, its session and
 * its metadata: a customer's browser never asks for the internal app's `/me` or metadata, and
 * the internal pages' first load carries none of this code. Language is kept per browser under
 * its own key (a person can be staff in one language and a customer in another).
 */
import { App as AntApp, ConfigProvider, Result } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { useEffect, type ReactNode } from 'react';
import { Navigate, Route, Routes, useLocation, useParams } from 'react-router-dom';
import { I18nProvider, useI18n } from '../i18n';
import '../i18n/portal';
import { THEME } from '../theme';
import { PortalSpinner } from './frame';
import { PortalLayout } from './PortalLayout';
import { PortalSessionProvider, usePortal } from './session';
import AccountPage from './pages/AccountPage';
import ArticlePage from './pages/ArticlePage';
import CaseDetailPage from './pages/CaseDetailPage';
import CasesPage from './pages/CasesPage';
import HelpPage from './pages/HelpPage';
import InvitePage from './pages/InvitePage';
import LinkPage from './pages/LinkPage';
import NewCasePage from './pages/NewCasePage';
import SignInPage from './pages/SignInPage';
import './portal.css';

export const PORTAL_LANG_KEY = 'keyi.portal.lang';

function Localised({ children }: { children: ReactNode }) {
  const { lang } = useI18n();
  useEffect(() => {
    dayjs.locale(lang === 'zh-CN' ? 'zh-cn' : 'en');
  }, [lang]);
  return (
    <ConfigProvider locale={lang === 'zh-CN' ? zhCN : enUS} theme={THEME}>
      <AntApp>{children}</AntApp>
    </ConfigProvider>
  );
}

/** Signed-in pages: the visitor without a session goes to the tenant's sign-in page. */
function RequirePortalAuth({ children }: { children: ReactNode }) {
  const { status, tenant, refresh } = usePortal();
  const { t } = useI18n();
  const location = useLocation();
  if (status === 'loading') return <PortalSpinner />;
  if (status === 'offline')
    return (
      <div className="ky-fullpage">
        <Result status="warning" title={t('portal.error.network')} extra={<a onClick={() => void refresh()}>{t('portal.retry')}</a>} />
      </div>
    );
  if (status === 'anonymous') {
    const next = location.pathname + location.search;
    return <Navigate to={`/portal/${encodeURIComponent(tenant)}?next=${encodeURIComponent(next)}`} replace />;
  }
  return <PortalLayout>{children}</PortalLayout>;
}

function PortalRoutes() {
  const { info, companyName } = usePortal();
  const { t } = useI18n();
  useEffect(() => {
    document.title = `${companyName} · ${t('portal.title')}`;
  }, [companyName, t]);
  if (info === 'missing')
    return (
      <div className="ky-fullpage">
        <Result status="404" title={t('portal.unknownTenant')} subTitle={t('portal.unknownTenantDetail')} />
      </div>
    );
  const signedIn = (page: ReactNode) => <RequirePortalAuth>{page}</RequirePortalAuth>;
  return (
    <Routes>
      <Route index element={<SignInPage />} />
      <Route path="link/:token" element={<LinkPage />} />
      <Route path="invite/:token" element={<InvitePage />} />
      <Route path="cases" element={signedIn(<CasesPage />)} />
      <Route path="cases/new" element={signedIn(<NewCasePage />)} />
      <Route path="cases/:id" element={signedIn(<CaseDetailPage />)} />
      <Route path="help" element={signedIn(<HelpPage />)} />
      <Route path="help/:id" element={signedIn(<ArticlePage />)} />
      <Route path="account" element={signedIn(<AccountPage />)} />
      <Route path="*" element={<Navigate to="cases" replace />} />
    </Routes>
  );
}

/** Rendered by App.tsx at `/portal/:tenant/*`. */
export default function PortalApp() {
  const { tenant = '' } = useParams();
  return (
    <I18nProvider storageKey={PORTAL_LANG_KEY}>
      <Localised>
        {/* keyed: another tenant's portal starts with a fresh session */}
        <PortalSessionProvider key={tenant} tenant={tenant}>
          <PortalRoutes />
        </PortalSessionProvider>
      </Localised>
    </I18nProvider>
  );
}
