import { App as AntApp, ConfigProvider } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { lazy, Suspense, useEffect, type ReactNode } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { FullPageSpinner, OfflinePage } from './components/Status';
import { I18nProvider, useI18n } from './i18n';
import { MetadataProvider } from './state/metadata';
import { SessionProvider, useSession } from './state/session';
import { DashboardPage, HomePage, KanbanPage, ListPage, RecordPage, Shell } from './lazyRoutes';
import { THEME } from './theme';

const LoginPage = lazy(() => import('./pages/LoginPage'));
const AcceptInvitePage = lazy(() => import('./pages/AcceptInvitePage'));
const RecycleBinPage = lazy(() => import('./pages/RecycleBinPage'));
const ImportWizardPage = lazy(() => import('./imports/ImportWizard'));
const NotFoundPage = lazy(() => import('./pages/NotFoundPage'));
const SetupPage = lazy(() => import('./pages/setup/SetupPage'));
const ForgotPasswordPage = lazy(() => import('./pages/ForgotPasswordPage'));
const ResetPasswordPage = lazy(() => import('./pages/ResetPasswordPage'));
const ProfilePage = lazy(() => import('./pages/ProfilePage'));
const ApprovalsPage = lazy(() => import('./pages/ApprovalsPage'));
const LeadConvertPage = lazy(() => import('./pages/LeadConvertPage'));
const ReceivablesPage = lazy(() => import('./pages/ReceivablesPage'));
const TargetsPage = lazy(() => import('./targets/TargetsPage'));
const DashboardsPage = lazy(() => import('./pages/dashboards/DashboardsPage'));
const PipelinePage = lazy(() => import('./pages/analytics/PipelinePage'));
const ReportsSection = lazy(() => import('./pages/reports/ReportsSection'));
const ServiceConsolePage = lazy(() => import('./service/console/ServiceConsolePage'));
const SurveyPage = lazy(() => import('./service/care/SurveyPage'));
// A marketing web form's hosted page (no sign-in; also the embed snippet's iframe).
const PublicFormPage = lazy(() => import('./marketing/forms/PublicFormPage'));
const MyDayPage = lazy(() => import('./service/care/MyDayPage'));
const KnowledgePage = lazy(() => import('./service/knowledge/KnowledgePage'));
// The customer portal: its own chunk, its own session, language and API client (src/portal/).
const PortalApp = lazy(() => import('./portal/PortalApp'));


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

function RequireAuth({ children }: { children: ReactNode }) {
  const { status, refresh } = useSession();
  const location = useLocation();
  if (status === 'loading') return <FullPageSpinner />;
  if (status === 'offline') return <OfflinePage onRetry={() => void refresh()} />;
  if (status === 'anonymous') {
    const next = location.pathname + location.search;
    return <Navigate to={`/login${next && next !== '/' ? `?next=${encodeURIComponent(next)}` : ''}`} replace />;
  }
  return <>{children}</>;
}

export function AppRoutes() {
  return (
    <Suspense fallback={<FullPageSpinner />}>
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route path="/accept-invite" element={<AcceptInvitePage />} />
        <Route path="/forgot-password" element={<ForgotPasswordPage />} />
        <Route path="/reset-password" element={<ResetPasswordPage />} />
        <Route path="/survey/:token" element={<SurveyPage />} />
        <Route path="/f/:key" element={<PublicFormPage />} />
        <Route
          element={
            <RequireAuth>
              <MetadataProvider>
                <Shell />
              </MetadataProvider>
            </RequireAuth>
          }
        >
          <Route index element={<HomePage />} />
          <Route path="o/:object" element={<ListPage />} />
          <Route path="o/:object/kanban" element={<KanbanPage />} />
          <Route path="o/:object/bin" element={<RecycleBinPage />} />
          <Route path="o/:object/import" element={<ImportWizardPage />} />
          <Route path="o/:object/:id" element={<RecordPage />} />
          <Route path="o/lead/:id/convert" element={<LeadConvertPage />} />
          <Route path="receivables" element={<ReceivablesPage />} />
          <Route path="targets" element={<TargetsPage />} />
          <Route path="dashboards" element={<DashboardsPage />} />
          <Route path="dashboards/:id" element={<DashboardPage />} />
          <Route path="analytics/pipeline" element={<PipelinePage />} />
          <Route path="reports/*" element={<ReportsSection />} />
          <Route path="setup/*" element={<SetupPage />} />
          <Route path="profile" element={<ProfilePage />} />
          <Route path="approvals" element={<ApprovalsPage />} />
          <Route path="service" element={<ServiceConsolePage />} />
          <Route path="service/my-day" element={<MyDayPage />} />
          <Route path="service/knowledge" element={<KnowledgePage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </Suspense>
  );
}

/** The internal app: staff language, the internal session (/api/v1/me) and its routes. */
function InternalApp() {
  return (
    <I18nProvider>
      <Localised>
        <SessionProvider>
          <AppRoutes />
        </SessionProvider>
      </Localised>
    </I18nProvider>
  );
}

/**
 * The customer portal (/portal/:tenant/...) is routed before the internal app's providers, so a
 * customer's page never asks for the internal session or metadata, nor renders the shell.
 */
export function App() {
  return (
    <BrowserRouter>
      <Routes>
        <Route
          path="/portal/:tenant/*"
          element={
            <Suspense fallback={<FullPageSpinner />}>
              <PortalApp />
            </Suspense>
          }
        />
        <Route path="*" element={<InternalApp />} />
      </Routes>
    </BrowserRouter>
  );
}
