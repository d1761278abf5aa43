import { App as AntApp, ConfigProvider, theme as antTheme } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { lazy, Suspense, useEffect, type ReactNode } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { startBoot } from './boot';
import { FullPageSpinner, OfflinePage } from './components/Status';
import { I18nProvider, useI18n } from './i18n';
import { MetadataProvider } from './state/metadata';
import { SessionProvider, useSession } from './state/session';

const loaders = {
  shell: () => import('./components/Shell'),
  home: () => import('./pages/HomePage'),
  list: () => import('./pages/ListPage'),
  record: () => import('./pages/RecordPage'),
  kanban: () => import('./pages/KanbanPage'),
};
if (typeof window !== 'undefined' && import.meta.env.MODE !== 'test') startBoot(window.location.pathname, loaders);

const LoginPage = lazy(() => import('./pages/LoginPage'));
const AcceptInvitePage = lazy(() => import('./pages/AcceptInvitePage'));
const Shell = lazy(loaders.shell);
const HomePage = lazy(loaders.home);
const ListPage = lazy(loaders.list);
const RecordPage = lazy(loaders.record);
const KanbanPage = lazy(loaders.kanban);
const RecycleBinPage = lazy(() => import('./pages/RecycleBinPage'));
const NotFoundPage = lazy(() => import('./pages/NotFoundPage'));
const SetupPage = lazy(() => import('./pages/setup/SetupPage'));

export const THEME = {
  token: {
    colorPrimary: '#3358d4',
    colorInfo: '#3358d4',
    colorSuccess: '#0f9d76',
    borderRadius: 8,
    colorBgLayout: '#f4f6fa',
    fontFamily:
      '-apple-system, BlinkMacSystemFont, "Segoe UI", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Helvetica Neue", Arial, sans-serif',
  },
  components: {
    Layout: { headerBg: '#ffffff', siderBg: '#ffffff', headerHeight: 56, headerPadding: '0 16px' },
    Table: { headerBg: '#f8f9fc', rowHoverBg: '#f3f6ff' },
    Menu: { itemBorderRadius: 8, itemSelectedBg: '#edf2ff', itemSelectedColor: '#2a46b8', itemHeight: 38 },
  },
  algorithm: antTheme.defaultAlgorithm,
};

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
          <Route path="o/:object/:id" element={<RecordPage />} />
          <Route path="setup/*" element={<SetupPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </Suspense>
  );
}

export function App() {
  return (
    <I18nProvider>
      <Localised>
        <SessionProvider>
          <BrowserRouter>
            <AppRoutes />
          </BrowserRouter>
        </SessionProvider>
      </Localised>
    </I18nProvider>
  );
}
