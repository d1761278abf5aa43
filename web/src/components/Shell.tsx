import { AccountBookOutlined, ApartmentOutlined, AuditOutlined, BarChartOutlined, CustomerServiceOutlined, DashboardOutlined, FunnelPlotOutlined, HomeOutlined, LogoutOutlined, MenuFoldOutlined, MenuOutlined, MenuUnfoldOutlined, SearchOutlined, SettingOutlined, TrophyOutlined, UserOutlined } from '@ant-design/icons';
import { Badge, Button, Drawer, Dropdown, Grid, Layout, Skeleton, Tooltip } from 'antd';
import { lazy, Suspense, useEffect, useMemo, useState, type ReactNode } from 'react';
import { Link, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { api } from '../api/endpoints';
import type { ObjectMeta } from '../api/types';
import { useI18n } from '../i18n';
import { APPROVALS_CHANGED } from '../lib/approvals';
import { groupObjects } from '../lib/navigation';
import { POLL_MS, usePolledCount } from '../lib/usePolledCount';
import { useMetadata } from '../state/metadata';
import { useSession } from '../state/session';
import { initials } from '../fields/display';
import { LanguageSwitch } from './LanguageSwitch';
import { NotificationBell } from './NotificationBell';
import { ObjectIcon } from './ObjectIcon';
import { FullPageSpinner } from './Status';

const SearchModal = lazy(() => import('./SearchModal'));

const COLLAPSE_KEY = 'keyi.nav.collapsed';

const approvalsWaiting = () => api.approvalCounts().then((c) => c.pending);

function Brand({ collapsed }: { collapsed?: boolean }) {
  const { t } = useI18n();
  return (
    <Link to="/" className="ky-brand">
      <img src="/favicon.svg" alt="" width={28} height={28} />
      {!collapsed && <span className="ky-brand-name">{t('app.name')}</span>}
    </Link>
  );
}

/**
 * The navigation: links from metadata (every object the person may see, custom ones included).
 *
 * Plain links, not antd's Menu: rc-menu's item, group and submenu components cost ~50-70 ms of
 * a cold first load (measured) for what is a list of links. Links also open in a new tab with a
 * middle click. Collapsed, the labels become native tooltips.
 */
function NavMenu({ onNavigate, collapsed, approvals = 0 }: { onNavigate?: () => void; collapsed?: boolean; approvals?: number }) {
  const { objects, loading } = useMetadata();
  const { t, label } = useI18n();
  const { session } = useSession();
  const location = useLocation();
  const selected = useMemo(() => {
    const m = /^\/o\/([^/]+)/.exec(location.pathname);
    if (location.pathname.startsWith('/setup')) return 'setup';
    if (location.pathname.startsWith('/approvals')) return 'approvals';
    if (location.pathname.startsWith('/receivables')) return 'receivables';
    if (location.pathname.startsWith('/service')) return 'service';
    if (location.pathname.startsWith('/reports')) return 'reports';
    if (location.pathname.startsWith('/targets') || location.pathname.startsWith('/o/sales_target')) return 'targets';
    if (location.pathname.startsWith('/dashboards')) return 'dashboards';
    if (location.pathname.startsWith('/analytics/pipeline')) return 'pipeline';
    if (location.pathname.startsWith('/service/my-day')) return 'myday';
    if (location.pathname.startsWith('/service/knowledge')) return 'knowledge';
    return m ? `o:${decodeURIComponent(m[1])}` : location.pathname === '/' ? 'home' : '';
  }, [location.pathname]);
  const { business, organisation, l2c, marketing, targets } = groupObjects(objects);
  const inOrganisation = organisation.some((o) => selected === `o:${o.name}`);
  const [organisationOpen, setOrganisationOpen] = useState(inOrganisation);
  useEffect(() => {
    if (inOrganisation) setOrganisationOpen(true);
  }, [inOrganisation]);

  if (loading && objects.length === 0) return <Skeleton active paragraph={{ rows: 6 }} className="ky-nav-skeleton" />;

  const link = (key: string, to: string, icon: ReactNode, text: string, badge?: ReactNode) => (
    <li key={key}>
      <Link
        to={to}
        className={`ky-nav-item${selected === key ? ' is-selected' : ''}`}
        aria-current={selected === key ? 'page' : undefined}
        title={collapsed ? text : undefined}
        onClick={onNavigate}
      >
        <span className="ky-nav-icon">{icon}</span>
        {!collapsed && <span className="ky-nav-label">{text}</span>}
        {badge}
      </Link>
    </li>
  );
  const objectLink = (o: ObjectMeta) =>
    link(`o:${o.name}`, `/o/${encodeURIComponent(o.name)}`, <ObjectIcon name={o.name} icon={o.icon} size={22} />, label(o.plural_labels ?? o.labels, o.name));

  return (
    <nav className={`ky-nav${collapsed ? ' is-collapsed' : ''}`} aria-label={t('nav.menu')}>
      <ul>
        {link('home', '/', <HomeOutlined />, t('nav.home'))}
        {link('dashboards', '/dashboards', <DashboardOutlined />, t('nav.dashboards'))}
        {link(
          'approvals',
          '/approvals',
          collapsed ? (
            <Badge dot={approvals > 0} offset={[2, 0]}>
              <AuditOutlined />
            </Badge>
          ) : (
            <AuditOutlined />
          ),
          t('nav.approvals'),
          !collapsed && approvals > 0 ? <Badge count={approvals} size="small" overflowCount={99} data-testid="nav-approvals-count" /> : undefined,
        )}
        {link('reports', '/reports', <BarChartOutlined />, t('nav.reports'))}
        {objects.some((o) => o.name === 'case') && link('service', '/service', <CustomerServiceOutlined />, t('nav.service'))}
      </ul>
      {!collapsed && <div className="ky-nav-group">{t('nav.objects')}</div>}
      <ul>
        {business.map(objectLink)}
        {targets && link('targets', '/targets', <TrophyOutlined />, t('nav.targets'))}
        {/* The sales package's pipeline: analysed where its deals are. */}
        {business.some((o) => o.name === 'opportunity') && link('pipeline', '/analytics/pipeline', <FunnelPlotOutlined />, t('nav.pipeline'))}
        {/* Field service: the technician's day, where work orders are. (Icons already in the
            shell's bundle: every new icon weighs on every page, tests/e2e/test_weight.py.) */}
        {objects.some((o) => o.name === 'work_order') && link('myday', '/service/my-day', <UserOutlined />, t('nav.myDay'))}
        {/* The service package's knowledge base: categories, search, reader and editor. */}
        {objects.some((o) => o.name === 'knowledge_article') && link('knowledge', '/service/knowledge', <AuditOutlined />, t('nav.knowledge'))}
      </ul>
      {l2c.length > 0 && (
        <>
          {!collapsed && <div className="ky-nav-group">{t('nav.l2c')}</div>}
          {collapsed && <div className="ky-nav-divider" />}
          <ul data-testid="nav-l2c">
            {l2c.map(objectLink)}
            {link('receivables', '/receivables', <AccountBookOutlined />, t('nav.receivables'))}
          </ul>
        </>
      )}
      {marketing.length > 0 && (
        <>
          {!collapsed && <div className="ky-nav-group">{t('nav.marketing')}</div>}
          {collapsed && <div className="ky-nav-divider" />}
          <ul data-testid="nav-marketing">{marketing.map(objectLink)}</ul>
        </>
      )}
      {organisation.length > 0 && (
        <>
          <button
            type="button"
            className="ky-nav-item ky-nav-toggle"
            aria-expanded={organisationOpen}
            title={collapsed ? t('nav.organisation') : undefined}
            onClick={() => setOrganisationOpen((open) => !open)}
          >
            <span className="ky-nav-icon">
              <ApartmentOutlined />
            </span>
            {!collapsed && <span className="ky-nav-label">{t('nav.organisation')}</span>}
            {!collapsed && <span className={`ky-nav-caret${organisationOpen ? ' is-open' : ''}`} aria-hidden />}
          </button>
          {organisationOpen && <ul className="ky-nav-sub">{organisation.map(objectLink)}</ul>}
        </>
      )}
      {session?.user.is_admin && (
        <>
          <div className="ky-nav-divider" />
          <ul>{link('setup', '/setup', <SettingOutlined />, t('setup.title'))}</ul>
        </>
      )}
    </nav>
  );
}

function UserMenu() {
  const { session, logout } = useSession();
  const { t } = useI18n();
  const navigate = useNavigate();
  if (!session) return null;
  const { user, tenant } = session;
  return (
    <Dropdown
      trigger={['click']}
      placement="bottomRight"
      menu={{
        items: [
          {
            key: 'who',
            disabled: true,
            label: (
              <div className="ky-usermenu-head">
                <div className="ky-usermenu-name">{user.name}</div>
                <div className="ky-usermenu-sub">{user.email}</div>
                <div className="ky-usermenu-sub">
                  {t('user.workspace')}: {tenant.label || tenant.name}
                  {user.is_admin ? ` · ${t('user.admin')}` : ''}
                </div>
              </div>
            ),
          },
          { type: 'divider' },
          { key: 'profile', icon: <UserOutlined />, label: <span data-testid="menu-profile">{t('user.profile')}</span> },
          ...(user.is_admin ? [{ key: 'setup', icon: <SettingOutlined />, label: t('setup.title') }] : []),
          { key: 'logout', icon: <LogoutOutlined />, label: t('user.logout'), danger: true },
        ],
        onClick: async ({ key }) => {
          if (key === 'setup') navigate('/setup');
          if (key === 'profile') navigate('/profile');
          if (key === 'logout') {
            await logout();
            navigate('/login', { replace: true });
          }
        },
      }}
    >
      <Button type="text" className="ky-userbtn" aria-label={t('user.menu')} data-testid="user-menu">
        {/* Not antd's Avatar: it measures its text on mount, a forced layout of the whole page
            right while a list renders its first rows (~100 ms on a busy machine). Initials of
            at most two characters fit a fixed circle without measuring. */}
        <span className="ky-user-avatar" aria-hidden>
          {initials(user.name || user.email)}
        </span>
      </Button>
    </Dropdown>
  );
}

export default function Shell() {
  const screens = Grid.useBreakpoint();
  const mobile = !screens.md;
  const { t } = useI18n();
  const { session } = useSession();
  const location = useLocation();
  const { count: approvals } = usePolledCount(approvalsWaiting, POLL_MS, APPROVALS_CHANGED);
  const [drawerOpen, setDrawerOpen] = useState(false);
  const [searchOpen, setSearchOpen] = useState(false);
  const [searchLoaded, setSearchLoaded] = useState(false);
  const [collapsed, setCollapsed] = useState(() => {
    try {
      return localStorage.getItem(COLLAPSE_KEY) === '1';
    } catch {
      return false;
    }
  });

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setSearchLoaded(true);
        setSearchOpen(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  useEffect(() => setDrawerOpen(false), [location.pathname]);

  const toggleCollapsed = () => {
    setCollapsed((c) => {
      try {
        localStorage.setItem(COLLAPSE_KEY, c ? '0' : '1');
      } catch {
        /* ignore */
      }
      return !c;
    });
  };

  const openSearch = () => {
    setSearchLoaded(true);
    setSearchOpen(true);
  };
  const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

  return (
    <Layout className="ky-shell">
      {!mobile && (
        <Layout.Sider width={232} collapsedWidth={68} collapsed={collapsed} className="ky-sider" theme="light">
          <div className="ky-sider-inner">
            <Brand collapsed={collapsed} />
            <div className="ky-sider-scroll">
              <NavMenu collapsed={collapsed} approvals={approvals} />
            </div>
            <div className="ky-sider-foot">
              <Tooltip title={collapsed ? t('nav.expand') : t('nav.collapse')} placement="right">
                <Button
                  type="text"
                  icon={collapsed ? <MenuUnfoldOutlined /> : <MenuFoldOutlined />}
                  onClick={toggleCollapsed}
                  aria-label={collapsed ? t('nav.expand') : t('nav.collapse')}
                />
              </Tooltip>
            </div>
          </div>
        </Layout.Sider>
      )}
      {mobile && (
        <Drawer
          open={drawerOpen}
          onClose={() => setDrawerOpen(false)}
          placement="left"
          width={272}
          closable={false}
          className="ky-nav-drawer"
          styles={{ body: { padding: 8 } }}
          title={<Brand />}
        >
          <NavMenu onNavigate={() => setDrawerOpen(false)} approvals={approvals} />
        </Drawer>
      )}
      <Layout className="ky-main">
        <Layout.Header className="ky-header">
          {mobile && (
            <Button
              type="text"
              icon={
                <Badge dot={approvals > 0}>
                  <MenuOutlined />
                </Badge>
              }
              onClick={() => setDrawerOpen(true)} aria-label={t('nav.menu')} data-testid="nav-toggle" />
          )}
          {mobile && <Brand collapsed />}
          <button type="button" className="ky-search-trigger" onClick={openSearch} data-testid="search-trigger">
            <SearchOutlined />
            <span className="ky-search-trigger-text">{t('search.placeholder')}</span>
            {!mobile && <kbd className="ky-kbd">{isMac ? '⌘' : 'Ctrl'} K</kbd>}
          </button>
          <div className="ky-header-right">
            <LanguageSwitch compact={mobile} />
            <NotificationBell mobile={mobile} />
            <UserMenu />
          </div>
        </Layout.Header>
        <Layout.Content className="ky-content">
          <Suspense fallback={<FullPageSpinner />}>
            <Outlet />
          </Suspense>
        </Layout.Content>
      </Layout>
      {searchLoaded && (
        <Suspense fallback={null}>
          <SearchModal open={searchOpen} onClose={() => setSearchOpen(false)} tenant={session?.tenant.name ?? ''} />
        </Suspense>
      )}
    </Layout>
  );
}
