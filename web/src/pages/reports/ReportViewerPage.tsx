/**
 * A saved report (/reports/:id): its chart and its table — a summary with subtotals and a
 * grand total, a matrix with row and column totals, or records with more on demand. A click on
 * a group, a cell or a bar opens that group's records; the report exports as xlsx or CSV.
 * *Alerts* and *Subscribe* open the report's alerts and scheduled emails, to add and manage.
 */
import { ArrowLeftOutlined, BellOutlined, DownloadOutlined, EditOutlined, MailOutlined, ReloadOutlined } from '@ant-design/icons';
import { App, Button, Drawer, Dropdown, Result, Skeleton, Space, Tag, Typography } from 'antd';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { ApiError } from '../../api/client';
import type { RecordData } from '../../api/types';
import { ErrorResult, errorMessage } from '../../components/Status';
import { useI18n } from '../../i18n';
import { useMetadata } from '../../state/metadata';
import { downloadExport, reportsApi, textOf, type ExportFormat, type GroupKey, type ReportResult, type SavedReport, type TabularResult } from '../../reports/api';
import { RulesPanel, type RulesTab } from '../../reports/alerts/RulesPanel';
import { DrillDrawer, type DrillTarget } from '../../reports/DrillDrawer';
import { inOptionOrder } from '../../reports/pivot';
import { ReportResultView } from '../../reports/ReportResultView';
import { useReportFormat } from '../../reports/useReportFormat';

function RunError({ error }: { error: unknown }) {
  const { t } = useI18n();
  // A report reading a field the reader may no longer see is closed to them: say which.
  if (error instanceof ApiError && error.status === 403) {
    return (
      <div data-testid="report-forbidden">
        <Result status="403" title={t('reports.view.forbidden')} subTitle={error.problem.detail || errorMessage(error, t)} />
      </div>
    );
  }
  return <ErrorResult error={error} />;
}

export default function ReportViewerPage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const { t, lang, label } = useI18n();
  const { message } = App.useApp();
  const { getObject } = useMetadata();
  const [report, setReport] = useState<SavedReport | null>(null);
  const [result, setResult] = useState<ReportResult | null>(null);
  const [records, setRecords] = useState<RecordData[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [runError, setRunError] = useState<unknown>(null);
  const [more, setMore] = useState(false);
  const [drill, setDrill] = useState<DrillTarget | null>(null);
  const [tick, setTick] = useState(0);
  const [rules, setRules] = useState<RulesTab | null>(null);
  const format = useReportFormat(result);
  const sort = report?.definition.sort;
  const shown = useMemo(() => (result ? inOptionOrder(result, sort) : null), [result, sort]);
  const reportInfo = useMemo(() => new Map(report ? [[report.id, { name: textOf(report.name, lang), definition: report.definition }]] : []), [report, lang]);

  useEffect(() => {
    const ctrl = new AbortController();
    setError(null);
    setRunError(null);
    reportsApi
      .get(id, ctrl.signal)
      .then(setReport)
      .catch((e) => !ctrl.signal.aborted && setError(e));
    reportsApi
      .runSaved(id, {}, ctrl.signal)
      .then((r) => {
        setResult(r);
        setRecords(r.type === 'tabular' ? r.records : []);
      })
      .catch((e) => !ctrl.signal.aborted && setRunError(e));
    return () => ctrl.abort();
  }, [id, tick]);

  useEffect(() => {
    if (report) document.title = `${textOf(report.name, lang) || t('reports.untitled')} · ${t('app.name')}`;
  }, [report, lang, t]);

  const loadDrill = useCallback(
    (key: GroupKey, cursor: string | null, signal?: AbortSignal) => reportsApi.runSaved(id, { drill: key, cursor }, signal) as Promise<TabularResult>,
    [id],
  );

  const loadMore = async () => {
    if (result?.type !== 'tabular' || !result.next_cursor) return;
    setMore(true);
    try {
      const next = (await reportsApi.runSaved(id, { cursor: result.next_cursor })) as TabularResult;
      setResult({ ...result, next_cursor: next.next_cursor });
      setRecords((rs) => [...rs, ...next.records]);
    } catch (e) {
      message.error(errorMessage(e, t));
    } finally {
      setMore(false);
    }
  };

  const exportAs = async (format: ExportFormat) => {
    try {
      await downloadExport(format, { reportId: id, name: report ? textOf(report.name, lang) : 'report' });
    } catch (e) {
      message.error(errorMessage(e, t));
    }
  };

  if (error) return <ErrorResult error={error} />;
  if (!report) return <Skeleton active paragraph={{ rows: 10 }} className="ky-page" />;
  const obj = getObject(report.object);
  const description = textOf(report.description, lang);

  return (
    <div className="ky-page ky-report-view" data-testid="report-view">
      <div className="ky-page-head">
        <div className="ky-page-title">
          <Button
            type="text"
            icon={<ArrowLeftOutlined />}
            onClick={() => navigate(report.folder_id ? `/reports?folder=${encodeURIComponent(report.folder_id)}` : '/reports')}
            aria-label={t('common.back')}
          />
          <div>
            <h1 data-testid="report-name">{textOf(report.name, lang) || t('reports.untitled')}</h1>
            <Space size={6} wrap>
              <Tag>{obj ? label(obj.plural_labels ?? obj.labels, obj.name) : report.object}</Tag>
              <Tag>{t(`reports.type.${report.type}`)}</Tag>
              {description && <Typography.Text type="secondary">{description}</Typography.Text>}
            </Space>
          </div>
        </div>
        <Space wrap>
          <Button icon={<ReloadOutlined />} onClick={() => setTick((n) => n + 1)} aria-label={t('common.reload')} />
          <Button icon={<BellOutlined />} onClick={() => setRules('alerts')} data-testid="report-alerts">
            {t('reports.alerts.action')}
          </Button>
          <Button icon={<MailOutlined />} onClick={() => setRules('subscriptions')} data-testid="report-subscribe">
            {t('reports.subs.action')}
          </Button>
          <Dropdown
            trigger={['click']}
            menu={{
              items: [
                { key: 'xlsx', label: <span data-testid="export-xlsx">{t('reports.export.xlsx')}</span> },
                { key: 'csv', label: <span data-testid="export-csv">{t('reports.export.csv')}</span> },
              ],
              onClick: ({ key }) => void exportAs(key as ExportFormat),
            }}
          >
            <Button icon={<DownloadOutlined />} data-testid="report-export">
              {t('reports.export')}
            </Button>
          </Dropdown>
          {report.can_edit && (
            <Button type="primary" icon={<EditOutlined />} onClick={() => navigate(`/reports/${encodeURIComponent(id)}/edit`)} data-testid="report-edit">
              {t('common.edit')}
            </Button>
          )}
        </Space>
      </div>
      <div className="ky-panel ky-report-panel">
        {runError ? (
          <RunError error={runError} />
        ) : !shown ? (
          <Skeleton active paragraph={{ rows: 8 }} />
        ) : (
          <ReportResultView
            result={shown}
            chart={report.chart}
            format={format}
            onDrill={(key, title) => setDrill({ key, title })}
            records={records}
            onMore={() => void loadMore()}
            loadingMore={more}
          />
        )}
      </div>
      <DrillDrawer object={report.object} target={drill} load={loadDrill} onClose={() => setDrill(null)} />
      <Drawer open={!!rules} onClose={() => setRules(null)} width="min(860px, 100vw)" title={t('reports.rules.of', { name: textOf(report.name, lang) || t('reports.untitled') })} destroyOnHidden>
        <div data-testid="report-rules">{rules && <RulesPanel reportId={report.id} reports={reportInfo} tab={rules} onTab={setRules} />}</div>
      </Drawer>
    </div>
  );
}
