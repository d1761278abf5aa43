/**
 * A dashboard on screen: its name, the filter bar, and the grid of widgets; for its editors an
 * edit mode (drag, resize, add, remove, rename, then save). The dashboard page shows it in full;
 * the home page shows it read-only with a link to the page.
 *
 * Saving sends the version the editor started from: if someone saved in between, the server
 * answers 412 and the editor is asked to reload (their draft is not silently merged).
 */
import '../i18n/dashboards';
import './dashboards.css';
import { EditOutlined, PlusOutlined, ReloadOutlined, SaveOutlined } from '@ant-design/icons';
import { App, Button, Input, Skeleton, Space, Tooltip, Typography } from 'antd';
import { useEffect, useState, type ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { ApiError } from '../api/client';
import { ErrorResult, errorMessage } from '../components/Status';
import { useI18n } from '../i18n';
import { formatDateTime } from '../lib/format';
import { useFormatSettings } from '../state/session';
import { preloadEChart } from '../reports/ReportResultView';
import { fiscalStartMonth } from '../reports/api';
import { MAX_TITLE, type Widget } from './api';
import { AddWidgetModal } from './AddWidgetModal';
import DashboardGrid from './DashboardGrid';
import { FilterBar } from './FilterBar';
import { labelText } from './format';
import { addWidget, MAX_WIDGETS, newWidgetId } from './layout';
import { useDashboard } from './useDashboard';
import { WidgetCard } from './WidgetCard';

interface Props {
  id: string;
  /** Home: no edit mode, a link to the dashboard's page instead. */
  readOnly?: boolean;
  /** Open in edit mode (a dashboard just created). */
  editFirst?: boolean;
  /** Shown before the name (the page's back link). */
  before?: ReactNode;
}

export default function DashboardView({ id, readOnly, editFirst, before }: Props) {
  const { t, lang } = useI18n();
  const { modal, message } = App.useApp();
  const d = useDashboard(id);
  const fmt = useFormatSettings();
  const [adding, setAdding] = useState(false);
  const [saving, setSaving] = useState(false);
  const { dashboard, draft, setDraft, startEditing } = d;
  const [editRequested, setEditRequested] = useState(!!editFirst);

  useEffect(() => {
    if (editRequested && dashboard?.can_edit && !readOnly) {
      startEditing();
      setEditRequested(false);
    }
  }, [editRequested, dashboard, readOnly, startEditing]);

  // While the widgets run, fetch what drawing them needs: the chart code and the fiscal year.
  const charted = !!dashboard?.layout?.some((w) => w.kind === 'report' && w.chart?.type !== 'table');
  useEffect(() => {
    if (!charted) return;
    preloadEChart();
    void fiscalStartMonth();
  }, [charted]);

  const name = labelText(dashboard?.name, lang);
  useEffect(() => {
    if (!readOnly && name) document.title = `${name} · ${t('nav.dashboards')}`;
  }, [name, readOnly, t]);

  if (d.loadError) return <ErrorResult error={d.loadError} onRetry={() => void d.reload()} />;
  if (!dashboard) return <Skeleton active paragraph={{ rows: 8 }} />;

  const editing = !!draft && !readOnly;
  const widgets: Widget[] = editing ? draft.layout : (dashboard.layout ?? []);

  const save = async () => {
    setSaving(true);
    try {
      await d.save();
      message.success(t('dashboards.saved'));
    } catch (e) {
      if (e instanceof ApiError && e.status === 412) {
        modal.confirm({
          title: t('dashboards.stale.title'),
          content: t('dashboards.stale.body'),
          okText: t('dashboards.stale.reload'),
          cancelText: t('dashboards.stale.keep'),
          onOk: () => d.reload(),
        });
      } else {
        message.error(errorMessage(e, t));
      }
    } finally {
      setSaving(false);
    }
  };

  const render = (w: Widget) => (
    <WidgetCard
      widget={w}
      run={d.runs.get(w.id)}
      running={d.pending.has(w.id)}
      filters={d.filters}
      reportName={draft?.reportNames[w.report_id ?? '']}
      editing={editing}
      onRemove={editing ? () => setDraft({ ...draft, layout: draft.layout.filter((x) => x.id !== w.id) }) : undefined}
      onRename={
        editing
          ? (title) => setDraft({ ...draft, layout: draft.layout.map((x) => (x.id === w.id ? { ...x, title: title || null } : x)) })
          : undefined
      }
    />
  );

  return (
    <div className={`ky-dashboard${editing ? ' is-editing' : ''}`} data-testid="dashboard">
      <div className="ky-page-head ky-dash-head">
        <div className="ky-page-title">
          {before}
          {editing ? (
            <Input
              value={draft.name ?? name}
              onChange={(e) => setDraft({ ...draft, name: e.target.value })}
              maxLength={MAX_TITLE}
              aria-label={t('dashboards.name')}
              className="ky-dash-name-input"
              data-testid="dashboard-name-input"
            />
          ) : readOnly ? (
            // On the home page, under its greeting (the page's h1).
            <h2 className="ky-dash-title" data-testid="dashboard-name">
              {name}
            </h2>
          ) : (
            <h1 data-testid="dashboard-name">{name}</h1>
          )}
        </div>
        <Space wrap>
          {!editing && d.asOf && (
            <Tooltip title={t('dashboards.asOfHint')}>
              <Typography.Text type="secondary" className="ky-dash-as-of" data-testid="dashboard-as-of">
                {t('dashboards.asOf', { time: formatDateTime(d.asOf, fmt) })}
              </Typography.Text>
            </Tooltip>
          )}
          {!editing && (
            <Button
              icon={<ReloadOutlined />}
              onClick={d.refresh}
              loading={d.pending.size > 0}
              aria-label={t('dashboards.refresh')}
              data-testid="dashboard-refresh"
            >
              {readOnly ? null : t('dashboards.refresh')}
            </Button>
          )}
          {readOnly ? (
            <Link to={`/dashboards/${encodeURIComponent(dashboard.id)}`} data-testid="dashboard-open">
              {dashboard.can_edit ? t('dashboards.openToEdit') : t('dashboards.open')}
            </Link>
          ) : editing ? (
            <>
              <Tooltip title={widgets.length >= MAX_WIDGETS ? t('dashboards.tooMany', { max: MAX_WIDGETS }) : undefined}>
                <Button icon={<PlusOutlined />} onClick={() => setAdding(true)} disabled={widgets.length >= MAX_WIDGETS} data-testid="add-widget">
                  {t('dashboards.addWidget')}
                </Button>
              </Tooltip>
              <Button onClick={d.cancelEditing} data-testid="dashboard-cancel">
                {t('common.cancel')}
              </Button>
              <Button
                type="primary"
                icon={<SaveOutlined />}
                loading={saving}
                disabled={(draft.name ?? name).trim() === ''}
                onClick={() => void save()}
                data-testid="dashboard-save"
              >
                {t('common.save')}
              </Button>
            </>
          ) : (
            dashboard.can_edit && (
              <Button icon={<EditOutlined />} onClick={startEditing} data-testid="dashboard-edit">
                {t('common.edit')}
              </Button>
            )
          )}
        </Space>
      </div>
      <FilterBar value={d.filters} onChange={d.setFilters} />
      {editing && <div className="ky-dash-note ky-dash-edit-hint">{t('dashboards.editHint')}</div>}
      {d.runError ? (
        <ErrorResult error={d.runError} />
      ) : widgets.length === 0 ? (
        <div className="ky-dash-empty ky-dash-none" data-testid="dashboard-empty">
          {editing || !dashboard.can_edit || readOnly ? t('dashboards.noWidgets') : t('dashboards.noWidgetsEdit')}
        </div>
      ) : (
        <DashboardGrid
          widgets={widgets}
          editing={editing}
          onLayoutChange={(layout) => setDraft((cur) => (cur ? { ...cur, layout } : cur))}
          renderWidget={render}
        />
      )}
      {editing && (
        <AddWidgetModal
          open={adding}
          onCancel={() => setAdding(false)}
          onAdd={(nw, reportName) => {
            setAdding(false);
            setDraft((cur) =>
              cur
                ? {
                    ...cur,
                    layout: addWidget(cur.layout, { ...nw, id: newWidgetId(cur.layout) }),
                    reportNames: reportName && nw.report_id ? { ...cur.reportNames, [nw.report_id]: reportName } : cur.reportNames,
                  }
                : cur,
            );
          }}
        />
      )}
    </div>
  );
}
