/**
 * Reports (/reports): the folders the reader sees (their own reports, shared folders, the
 * recycle bin) and the reports in the selected one — search, a new report, moving a report to
 * another folder, deleting into the recycle bin and restoring from it. The selection is in the
 * URL (`?folder=`), so a folder can be linked to.
 */
import {
  DeleteOutlined,
  EditOutlined,
  GlobalOutlined,
  LockOutlined,
  MoreOutlined,
  PlusOutlined,
  SwapOutlined,
  TeamOutlined,
  UserOutlined,
  AppstoreOutlined,
  BarChartOutlined,
  BellOutlined,
} from '@ant-design/icons';
import { App, Button, Dropdown, Empty, Input, Modal, Select, Space, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { ApiError } from '../../api/client';
import { ErrorResult, errorMessage } from '../../components/Status';
import { useI18n } from '../../i18n';
import { formatDateTime } from '../../lib/format';
import { fetchTitles } from '../../lib/referenceLabels';
import { useMetadata } from '../../state/metadata';
import { useCurrentUser, useFormatSettings } from '../../state/session';
import { reportsApi, textOf, type ReportFolder, type ReportSummary } from '../../reports/api';
import { FolderDialog } from './FolderDialog';

/** What the side list selects: every report, the reader's unfiled ones, a folder, the bin. */
export type Selection = 'all' | 'mine' | 'bin' | { folder: string };

export function parseSelection(raw: string | null): Selection {
  if (raw === 'mine' || raw === 'bin') return raw;
  return raw ? { folder: raw } : 'all';
}
const selectionParam = (s: Selection) => (typeof s === 'string' ? (s === 'all' ? '' : s) : s.folder);

function FolderIcon({ folder }: { folder: ReportFolder }) {
  const scope = folder.sharing?.scope ?? 'private';
  if (scope === 'all') return <GlobalOutlined />;
  if (scope === 'roles' || scope === 'departments') return <TeamOutlined />;
  return <LockOutlined />;
}

function MoveDialog({ report, folders, onClose, onMoved }: { report: ReportSummary | null; folders: ReportFolder[]; onClose: () => void; onMoved: () => void }) {
  const { t, lang } = useI18n();
  const [target, setTarget] = useState<string>('');
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    setTarget(report?.folder_id ?? '');
    setError(null);
  }, [report]);
  const options = [{ value: '', label: t('reports.folders.mine') }, ...folders.filter((f) => f.can_manage).map((f) => ({ value: f.id, label: textOf(f.name, lang) }))];
  const move = async () => {
    if (!report) return;
    setSaving(true);
    setError(null);
    try {
      await reportsApi.update(report.id, report.version, { folder_id: target || null });
      onMoved();
    } catch (e) {
      setError(e instanceof ApiError && e.fieldErrors.length ? e.fieldErrors.map((x) => x.message).join('; ') : errorMessage(e, t));
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal
      open={!!report}
      title={t('reports.move.title', { name: report ? textOf(report.name, lang) : '' })}
      onCancel={onClose}
      onOk={() => void move()}
      okText={t('reports.move.ok')}
      cancelText={t('common.cancel')}
      confirmLoading={saving}
      destroyOnHidden
    >
      <Select className="ky-fullwidth" value={target} onChange={setTarget} options={options} aria-label={t('reports.folder')} data-testid="move-folder" />
      {error && (
        <Typography.Text type="danger" data-testid="move-error">
          {error}
        </Typography.Text>
      )}
    </Modal>
  );
}

export default function ReportsHomePage() {
  const { t, lang, label } = useI18n();
  const { message, modal } = App.useApp();
  const { getObject } = useMetadata();
  const user = useCurrentUser();
  const fmt = useFormatSettings();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const selection = parseSelection(params.get('folder'));
  const selected = selectionParam(selection);
  const [folders, setFolders] = useState<ReportFolder[] | null>(null);
  const [reports, setReports] = useState<ReportSummary[] | null>(null);
  const [owners, setOwners] = useState<Map<string, string>>(new Map());
  const [q, setQ] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const [folderDialog, setFolderDialog] = useState<{ folder: ReportFolder | null } | null>(null);
  const [moving, setMoving] = useState<ReportSummary | null>(null);
  const [tick, setTick] = useState(0);
  const refresh = useCallback(() => setTick((n) => n + 1), []);

  useEffect(() => {
    document.title = `${t('reports.title')} · ${t('app.name')}`;
  }, [t]);

  useEffect(() => {
    const ctrl = new AbortController();
    reportsApi
      .folders(ctrl.signal)
      .then((r) => setFolders(r.folders))
      .catch((e) => !ctrl.signal.aborted && setError(e));
    return () => ctrl.abort();
  }, [tick]);

  useEffect(() => {
    const ctrl = new AbortController();
    const folderId = typeof selection === 'object' ? selection.folder : null;
    setLoading(true);
    reportsApi
      .list({ folder_id: folderId, q: q.trim() || null, deleted: selection === 'bin' }, ctrl.signal)
      .then((r) => setReports(selection === 'mine' ? r.reports.filter((x) => !x.folder_id && x.owner_id === user?.id) : r.reports))
      .catch((e) => !ctrl.signal.aborted && setError(e))
      .finally(() => !ctrl.signal.aborted && setLoading(false));
    return () => ctrl.abort();
    // `selected` stands for the selection (an object, new on every render).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [selected, q, tick, user?.id]);

  useEffect(() => {
    const ids = [...new Set((reports ?? []).map((r) => r.owner_id).filter((id) => id && !owners.has(id)))];
    if (!ids.length) return;
    const ctrl = new AbortController();
    void fetchTitles(new Map([['user', ids]]), getObject, ctrl.signal).then((found) => {
      if (!ctrl.signal.aborted) setOwners((prev) => new Map([...prev, ...found]));
    });
    return () => ctrl.abort();
  }, [reports, owners, getObject]);

  const folder = typeof selection === 'object' ? folders?.find((f) => f.id === selection.folder) : undefined;
  const select = (s: Selection) => {
    const next = new URLSearchParams(params);
    const v = selectionParam(s);
    if (v) next.set('folder', v);
    else next.delete('folder');
    setParams(next);
  };

  const remove = (r: ReportSummary) =>
    modal.confirm({
      title: t('reports.delete.confirm', { name: textOf(r.name, lang) }),
      content: t('common.confirmDeleteHelp'),
      okText: t('common.delete'),
      okButtonProps: { danger: true },
      cancelText: t('common.cancel'),
      onOk: async () => {
        try {
          await reportsApi.remove(r.id, r.version);
          message.success(t('reports.delete.done'));
          refresh();
        } catch (e) {
          message.error(errorMessage(e, t));
        }
      },
    });
  const restore = async (r: ReportSummary) => {
    try {
      await reportsApi.restore(r.id);
      message.success(t('common.restored'));
      refresh();
    } catch (e) {
      message.error(errorMessage(e, t));
    }
  };
  const removeFolder = (f: ReportFolder) =>
    modal.confirm({
      title: t('reports.folder.deleteConfirm', { name: textOf(f.name, lang) }),
      okText: t('common.delete'),
      okButtonProps: { danger: true },
      cancelText: t('common.cancel'),
      onOk: async () => {
        try {
          await reportsApi.deleteFolder(f.id);
          select('all');
          refresh();
        } catch (e) {
          message.error(e instanceof ApiError && e.code === 'folder_not_empty' ? t('reports.folder.notEmpty') : errorMessage(e, t));
        }
      },
    });

  const folderNames = useMemo(() => new Map((folders ?? []).map((f) => [f.id, textOf(f.name, lang)])), [folders, lang]);
  const bin = selection === 'bin';
  const columns: ColumnsType<ReportSummary> = [
    {
      key: 'name',
      title: t('reports.col.name'),
      render: (_, r) =>
        bin ? (
          textOf(r.name, lang)
        ) : (
          <Link to={`/reports/${encodeURIComponent(r.id)}`} className="ky-namecell">
            {textOf(r.name, lang) || t('reports.untitled')}
          </Link>
        ),
    },
    {
      key: 'object',
      title: t('reports.col.object'),
      render: (_, r) => {
        const o = getObject(r.object);
        return o ? label(o.plural_labels ?? o.labels, o.name) : r.object;
      },
    },
    { key: 'type', title: t('reports.col.type'), render: (_, r) => <Tag>{t(`reports.type.${r.type}`)}</Tag> },
    ...(selection === 'all' || bin
      ? [{ key: 'folder', title: t('reports.folder'), render: (_: unknown, r: ReportSummary) => (r.folder_id ? (folderNames.get(r.folder_id) ?? '') : t('reports.folders.mine')) }]
      : []),
    { key: 'owner', title: t('reports.col.owner'), render: (_, r) => owners.get(r.owner_id) ?? '' },
    { key: 'updated', title: t('reports.col.updated'), render: (_, r) => <span className="ky-num">{formatDateTime(r.deleted_at ?? r.updated_at, fmt)}</span> },
    {
      key: 'actions',
      width: 56,
      render: (_, r) =>
        bin ? (
          <Button size="small" onClick={() => void restore(r)} data-testid={`report-restore-${r.id}`}>
            {t('reports.restore')}
          </Button>
        ) : r.can_edit ? (
          <Dropdown
            trigger={['click']}
            menu={{
              items: [
                { key: 'edit', icon: <EditOutlined />, label: t('common.edit') },
                { key: 'move', icon: <SwapOutlined />, label: <span data-testid={`report-move-${r.id}`}>{t('reports.move.action')}</span> },
                { type: 'divider' },
                { key: 'delete', icon: <DeleteOutlined />, danger: true, label: <span data-testid={`report-delete-${r.id}`}>{t('common.delete')}</span> },
              ],
              onClick: ({ key }) => {
                if (key === 'edit') navigate(`/reports/${encodeURIComponent(r.id)}/edit`);
                if (key === 'move') setMoving(r);
                if (key === 'delete') remove(r);
              },
            }}
          >
            <Button type="text" size="small" icon={<MoreOutlined />} aria-label={t('common.more')} data-testid={`report-actions-${r.id}`} />
          </Dropdown>
        ) : null,
    },
  ];

  const side = (key: string, icon: React.ReactNode, text: string, s: Selection, extra?: React.ReactNode) => (
    <li key={key}>
      <button type="button" className={`ky-nav-item${selected === selectionParam(s) ? ' is-selected' : ''}`} onClick={() => select(s)} data-testid={`reports-folder-${key}`}>
        <span className="ky-nav-icon">{icon}</span>
        <span className="ky-nav-label">{text}</span>
        {extra}
      </button>
    </li>
  );
  const newHref = `/reports/new${folder?.can_manage ? `?folder=${encodeURIComponent(folder.id)}` : ''}`;

  if (error) return <ErrorResult error={error} onRetry={() => { setError(null); refresh(); }} />;
  return (
    <div className="ky-page ky-reports-page" data-testid="reports">
      <div className="ky-page-head">
        <div className="ky-page-title">
          <BarChartOutlined style={{ fontSize: 24 }} />
          <div>
            <h1>{t('reports.title')}</h1>
            <Typography.Text type="secondary">{t('reports.subtitle')}</Typography.Text>
          </div>
        </div>
        <Space wrap>
          <Button icon={<PlusOutlined />} onClick={() => setFolderDialog({ folder: null })} data-testid="folder-new">
            {t('reports.folder.new')}
          </Button>
          <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate(newHref)} data-testid="report-new">
            {t('reports.new')}
          </Button>
        </Space>
      </div>
      <div className="ky-reports-layout">
        <aside className="ky-panel ky-reports-folders">
          <nav className="ky-nav" aria-label={t('reports.folders.title')}>
            <ul>
              {side('all', <AppstoreOutlined />, t('reports.folders.all'), 'all')}
              {side('mine', <UserOutlined />, t('reports.folders.mine'), 'mine')}
            </ul>
            <div className="ky-nav-group">{t('reports.folders.title')}</div>
            <ul data-testid="reports-folders">{(folders ?? []).map((f) => side(f.id, <FolderIcon folder={f} />, textOf(f.name, lang), { folder: f.id }))}</ul>
            <div className="ky-nav-divider" />
            <ul>{side('bin', <DeleteOutlined />, t('reports.folders.bin'), 'bin')}</ul>
            <div className="ky-nav-divider" />
            <ul>
              <li>
                <Link to="/reports/alerts" className="ky-nav-item" data-testid="reports-rules-link">
                  <span className="ky-nav-icon">
                    <BellOutlined />
                  </span>
                  <span className="ky-nav-label">{t('reports.rules.mine')}</span>
                </Link>
              </li>
            </ul>
          </nav>
        </aside>
        <section className="ky-panel ky-reports-list">
          <div className="ky-reports-toolbar">
            <Typography.Title level={5} className="ky-reports-heading">
              {folder ? textOf(folder.name, lang) : selection === 'mine' ? t('reports.folders.mine') : bin ? t('reports.folders.bin') : t('reports.folders.all')}
              {folder && <Tag className="ky-reports-scope">{t(`reports.sharing.${folder.sharing?.scope ?? 'private'}`)}</Tag>}
            </Typography.Title>
            <Space wrap>
              {folder?.can_manage && (
                <>
                  <Button icon={<TeamOutlined />} onClick={() => setFolderDialog({ folder })} data-testid="folder-share">
                    {t('reports.folder.share')}
                  </Button>
                  <Button icon={<DeleteOutlined />} danger onClick={() => removeFolder(folder)} data-testid="folder-delete">
                    {t('reports.folder.delete')}
                  </Button>
                </>
              )}
              <Input.Search allowClear placeholder={t('reports.search')} onSearch={setQ} style={{ width: 240 }} data-testid="reports-search" />
            </Space>
          </div>
          <Table<ReportSummary>
            size="small"
            rowKey="id"
            loading={loading}
            pagination={false}
            dataSource={reports ?? []}
            columns={columns}
            scroll={{ x: 'max-content' }}
            locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={bin ? t('reports.emptyBin') : t('reports.emptyFolder')} /> }}
            onRow={(r) => ({ 'data-testid': `reports-item-${r.id}` }) as React.HTMLAttributes<HTMLElement>}
          />
        </section>
      </div>
      <FolderDialog
        open={!!folderDialog}
        folder={folderDialog?.folder ?? null}
        canShare={!!user?.is_admin}
        onClose={() => setFolderDialog(null)}
        onSaved={(f) => {
          setFolderDialog(null);
          message.success(t('common.saved'));
          refresh();
          select({ folder: f.id });
        }}
      />
      <MoveDialog
        report={moving}
        folders={folders ?? []}
        onClose={() => setMoving(null)}
        onMoved={() => {
          setMoving(null);
          message.success(t('reports.move.done'));
          refresh();
        }}
      />
    </div>
  );
}
