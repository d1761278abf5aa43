/**
 * Dashboards (仪表盘, /dashboards): the dashboards the person may open, by report folder (their
 * own unfiled ones under "My dashboards"), and the recycle bin; new, delete and restore; choose
 * one as the home page — and, for administrators, a role's home page.
 */
import '../../i18n/dashboards';
import '../../dashboards/dashboards.css';
import { DashboardOutlined, DeleteOutlined, FolderOutlined, HomeOutlined, MoreOutlined, PlusOutlined, UndoOutlined, TeamOutlined, UserOutlined } from '@ant-design/icons';
import { App, Button, Dropdown, Empty, Form, Input, Modal, Select, Skeleton, Table, Tag, Typography } from 'antd';
import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { ApiError } from '../../api/client';
import { ErrorResult, errorMessage } from '../../components/Status';
import { dashboardsApi, MAX_TITLE, type DashboardSummary, type HomeChoice, type ReportFolder } from '../../dashboards/api';
import { labelText } from '../../dashboards/format';
import { LookupSelect, type LookupValue } from '../../fields/LookupSelect';
import { useI18n } from '../../i18n';
import { formatDateTime } from '../../lib/format';
import { useCurrentUser, useFormatSettings } from '../../state/session';

/** Which list is shown: every dashboard, the person's unfiled ones, a folder's, or the bin. */
export type Scope = { kind: 'all' } | { kind: 'mine' } | { kind: 'folder'; id: string } | { kind: 'bin' };

/** The dashboards a scope shows, from the one list of everything the person may open. */
export function inScope(dashboards: DashboardSummary[], scope: Scope): DashboardSummary[] {
  if (scope.kind === 'mine') return dashboards.filter((d) => d.folder_id === null);
  if (scope.kind === 'folder') return dashboards.filter((d) => d.folder_id === scope.id);
  return dashboards;
}

function NewDashboardModal({ open, folders, onClose }: { open: boolean; folders: ReportFolder[]; onClose: () => void }) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [form] = Form.useForm<{ name: string; folder_id: string }>();
  const [saving, setSaving] = useState(false);
  const submit = async () => {
    const values = await form.validateFields();
    setSaving(true);
    try {
      const created = await dashboardsApi.create({
        name: values.name.trim(),
        folder_id: values.folder_id === 'mine' ? null : values.folder_id,
        layout: [],
        filters: {},
      });
      onClose();
      navigate(`/dashboards/${encodeURIComponent(created.id)}?edit=1`);
    } catch (e) {
      const field = e instanceof ApiError ? e.fieldErrors : [];
      if (field.length) form.setFields(field.map((f) => ({ name: f.field === 'folder_id' ? 'folder_id' : 'name', errors: [f.message] })));
      else message.error(errorMessage(e, t));
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal
      open={open}
      title={t('dashboards.new.title')}
      okText={t('dashboards.new.ok')}
      cancelText={t('common.cancel')}
      onOk={() => void submit().catch(() => undefined)}
      onCancel={onClose}
      confirmLoading={saving}
      destroyOnHidden
      okButtonProps={{ 'data-testid': 'new-dashboard-ok' } as never}
    >
      <Form form={form} layout="vertical" preserve={false} initialValues={{ folder_id: 'mine' }}>
        <Form.Item name="name" label={t('dashboards.name')} rules={[{ required: true, whitespace: true, message: t('dashboards.new.nameRequired') }, { max: MAX_TITLE }]}>
          <Input autoFocus maxLength={MAX_TITLE} data-testid="new-dashboard-name" />
        </Form.Item>
        <Form.Item name="folder_id" label={t('dashboards.folder')} extra={t('dashboards.new.folderHelp')}>
          <Select
            options={[
              { value: 'mine', label: t('dashboards.folder.mine') },
              ...folders.filter((f) => f.can_manage).map((f) => ({ value: f.id, label: labelText(f.name, lang) })),
            ]}
            data-testid="new-dashboard-folder"
          />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function RoleHomeModal({ dashboard, onClose }: { dashboard: DashboardSummary | null; onClose: () => void }) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const [role, setRole] = useState<LookupValue | null>(null);
  const [saving, setSaving] = useState(false);
  const set = async (dashboardId: string | null) => {
    if (!role) return;
    setSaving(true);
    try {
      await dashboardsApi.setRoleHome(role.value, dashboardId);
      message.success(dashboardId ? t('dashboards.roleHome.set', { role: role.label }) : t('dashboards.roleHome.cleared', { role: role.label }));
      onClose();
    } catch (e) {
      message.error(errorMessage(e, t));
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal
      open={!!dashboard}
      title={t('dashboards.roleHome.title', { name: labelText(dashboard?.name, lang) })}
      onCancel={onClose}
      destroyOnHidden
      footer={[
        <Button key="clear" disabled={!role} loading={saving} onClick={() => void set(null)} data-testid="role-home-clear">
          {t('dashboards.roleHome.clear')}
        </Button>,
        <Button key="set" type="primary" disabled={!role} loading={saving} onClick={() => void set(dashboard?.id ?? null)} data-testid="role-home-set">
          {t('dashboards.roleHome.ok')}
        </Button>,
      ]}
    >
      <Typography.Paragraph type="secondary">{t('dashboards.roleHome.help')}</Typography.Paragraph>
      <LookupSelect target="role" value={role} onChange={setRole} placeholder={t('dashboards.roleHome.pick')} />
    </Modal>
  );
}

export default function DashboardsPage() {
  const { t, lang } = useI18n();
  const fmt = useFormatSettings();
  const { message } = App.useApp();
  const isAdmin = !!useCurrentUser()?.is_admin;
  const [scope, setScope] = useState<Scope>({ kind: 'all' });
  const [folders, setFolders] = useState<ReportFolder[]>([]);
  const [dashboards, setDashboards] = useState<DashboardSummary[] | null>(null);
  const [binned, setBinned] = useState<DashboardSummary[] | null>(null);
  const [home, setHome] = useState<HomeChoice | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [creating, setCreating] = useState(false);
  const [roleHomeOf, setRoleHomeOf] = useState<DashboardSummary | null>(null);
  /** Bumped after a change, to read the recycle bin again. */
  const [binTick, setBinTick] = useState(0);

  useEffect(() => {
    document.title = `${t('nav.dashboards')} · ${t('app.name')}`;
  }, [t]);

  const load = useCallback((signal?: AbortSignal) => {
    setError(null);
    dashboardsApi
      .list({}, signal)
      .then((r) => setDashboards(r.dashboards))
      .catch((e) => {
        if (!signal?.aborted) setError(e);
      });
    // Folders and the home choice only decorate the list: without them it still works.
    dashboardsApi
      .folders(signal)
      .then((r) => setFolders(r.folders))
      .catch(() => undefined);
    dashboardsApi
      .home(signal)
      .then(setHome)
      .catch(() => undefined);
  }, []);

  useEffect(() => {
    const ctrl = new AbortController();
    load(ctrl.signal);
    return () => ctrl.abort();
  }, [load]);

  const inBin = scope.kind === 'bin';
  useEffect(() => {
    if (!inBin) return;
    const ctrl = new AbortController();
    setBinned(null);
    dashboardsApi
      .list({ deleted: true }, ctrl.signal)
      .then((r) => setBinned(r.dashboards))
      .catch((e) => {
        if (!ctrl.signal.aborted) setError(e);
      });
    return () => ctrl.abort();
  }, [inBin, binTick]);

  const folderName = useMemo(() => new Map(folders.map((f) => [f.id, labelText(f.name, lang)])), [folders, lang]);
  const rows = scope.kind === 'bin' ? binned : dashboards && inScope(dashboards, scope);

  const act = async (work: () => Promise<unknown>, done: string) => {
    try {
      await work();
      message.success(done);
    } catch (e) {
      message.error(errorMessage(e, t));
    }
    load();
    setBinTick((n) => n + 1);
  };
  const setMyHome = (d: DashboardSummary | null) =>
    act(async () => setHome(await dashboardsApi.setHome(d?.id ?? null)), d ? t('dashboards.home.set') : t('dashboards.home.cleared'));

  const scopeButton = (key: string, s: Scope, icon: ReactNode, text: string, count?: number) => {
    const selected = JSON.stringify(s) === JSON.stringify(scope);
    return (
      <li key={key}>
        <button type="button" className={selected ? 'is-selected' : undefined} aria-pressed={selected} onClick={() => setScope(s)} data-testid={`dash-scope-${key}`}>
          {icon}
          <span>{text}</span>
          {count !== undefined && <span className="ky-dash-count">{count}</span>}
        </button>
      </li>
    );
  };

  const columns = [
    {
      key: 'name',
      title: t('dashboards.name'),
      render: (_: unknown, d: DashboardSummary) => (
        <span>
          {scope.kind === 'bin' ? (
            <span className="ky-dash-row-name">{labelText(d.name, lang)}</span>
          ) : (
            <Link to={`/dashboards/${encodeURIComponent(d.id)}`} className="ky-dash-row-name">
              {labelText(d.name, lang)}
            </Link>
          )}
          {home?.dashboard_id === d.id && (
            <Tag color="blue" icon={<HomeOutlined />} style={{ marginLeft: 8 }} data-testid="home-tag">
              {home.source === 'role' ? t('dashboards.home.roleTag') : t('dashboards.home.tag')}
            </Tag>
          )}
        </span>
      ),
    },
    {
      key: 'folder',
      title: t('dashboards.folder'),
      responsive: ['md' as const],
      render: (_: unknown, d: DashboardSummary) => (d.folder_id ? (folderName.get(d.folder_id) ?? '—') : t('dashboards.folder.mine')),
    },
    {
      key: 'updated',
      title: t('dashboards.updated'),
      responsive: ['md' as const],
      render: (_: unknown, d: DashboardSummary) => formatDateTime(scope.kind === 'bin' ? d.deleted_at : d.updated_at, fmt),
    },
    {
      key: 'actions',
      width: 48,
      render: (_: unknown, d: DashboardSummary) =>
        scope.kind === 'bin' ? (
          <Button size="small" icon={<UndoOutlined />} onClick={() => void act(() => dashboardsApi.restore(d.id), t('dashboards.restored'))} data-testid={`dash-restore-${d.id}`}>
            {t('dashboards.restore')}
          </Button>
        ) : (
          <Dropdown
            trigger={['click']}
            menu={{
              items: [
                home?.dashboard_id === d.id && home.source === 'user'
                  ? { key: 'unhome', icon: <HomeOutlined />, label: t('dashboards.home.clear') }
                  : { key: 'home', icon: <HomeOutlined />, label: t('dashboards.home.setAction') },
                ...(isAdmin ? [{ key: 'role', icon: <TeamOutlined />, label: t('dashboards.roleHome.action') }] : []),
                ...(d.can_edit ? [{ type: 'divider' as const }, { key: 'delete', icon: <DeleteOutlined />, danger: true, label: t('common.delete') }] : []),
              ],
              onClick: ({ key }) => {
                if (key === 'home') void setMyHome(d);
                if (key === 'unhome') void setMyHome(null);
                if (key === 'role') setRoleHomeOf(d);
                if (key === 'delete') void act(() => dashboardsApi.remove(d.id, d.version), t('dashboards.deleted'));
              },
            }}
          >
            <Button type="text" size="small" icon={<MoreOutlined />} aria-label={t('dashboards.actions')} data-testid={`dash-actions-${d.id}`} />
          </Dropdown>
        ),
    },
  ];

  return (
    <div className="ky-page ky-dashboards-page" data-testid="dashboards-page">
      <div className="ky-page-head">
        <div className="ky-page-title">
          <DashboardOutlined style={{ fontSize: 24 }} />
          <div>
            <h1>{t('nav.dashboards')}</h1>
            <Typography.Text type="secondary">{t('dashboards.subtitle')}</Typography.Text>
          </div>
        </div>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="new-dashboard">
          {t('dashboards.new.action')}
        </Button>
      </div>
      <div className="ky-dash-list">
        <nav className="ky-panel" aria-label={t('dashboards.folders')}>
          <ul className="ky-dash-folders">
            {scopeButton('all', { kind: 'all' }, <DashboardOutlined />, t('dashboards.folder.all'), dashboards?.length)}
            {scopeButton('mine', { kind: 'mine' }, <UserOutlined />, t('dashboards.folder.mine'), dashboards ? inScope(dashboards, { kind: 'mine' }).length : undefined)}
            {folders.map((f) =>
              scopeButton(f.id, { kind: 'folder', id: f.id }, <FolderOutlined />, labelText(f.name, lang), dashboards ? inScope(dashboards, { kind: 'folder', id: f.id }).length : undefined),
            )}
            {scopeButton('bin', { kind: 'bin' }, <DeleteOutlined />, t('dashboards.bin'))}
          </ul>
        </nav>
        <div className="ky-panel">
          {error ? (
            <ErrorResult error={error} onRetry={() => load()} />
          ) : rows === null ? (
            <Skeleton active paragraph={{ rows: 5 }} />
          ) : (
            <Table<DashboardSummary>
              rowKey="id"
              size="small"
              pagination={false}
              dataSource={rows}
              columns={columns}
              locale={{
                emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={scope.kind === 'bin' ? t('dashboards.binEmpty') : t('dashboards.empty')} />,
              }}
              onRow={(d) => ({ 'data-testid': `dash-row-${d.id}` }) as React.HTMLAttributes<HTMLElement>}
            />
          )}
        </div>
      </div>
      <NewDashboardModal open={creating} folders={folders} onClose={() => setCreating(false)} />
      {isAdmin && <RoleHomeModal dashboard={roleHomeOf} onClose={() => setRoleHomeOf(null)} />}
    </div>
  );
}
