/**
 * My alerts and subscriptions (/reports/alerts): every alert and scheduled report email the
 * reader manages (theirs; an administrator's: everyone's), over all reports, to switch on and
 * off, edit, delete and, for alerts, check now and look back on. New ones are added on a
 * report's page. The tab is in the URL (`?tab=subscriptions`).
 */
import { ArrowLeftOutlined, BellOutlined } from '@ant-design/icons';
import { Button, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { useI18n } from '../../i18n';
import { reportsApi, textOf } from '../../reports/api';
import type { ReportInfo } from '../../reports/alerts/RuleTables';
import { RulesPanel, type RulesTab } from '../../reports/alerts/RulesPanel';

export default function ReportAlertsPage() {
  const { t, lang } = useI18n();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const tab: RulesTab = params.get('tab') === 'subscriptions' ? 'subscriptions' : 'alerts';
  const [ids, setIds] = useState<string[]>([]);
  const [reports, setReports] = useState<Map<string, ReportInfo>>(new Map());

  useEffect(() => {
    document.title = `${t('reports.rules.mine')} · ${t('app.name')}`;
  }, [t]);

  // The reports the rules are on, for their names and values (one that is gone or closed to
  // the reader is named by its id).
  useEffect(() => {
    const missing = ids.filter((id) => !reports.has(id));
    if (!missing.length) return;
    const ctrl = new AbortController();
    void Promise.allSettled(missing.map((id) => reportsApi.get(id, ctrl.signal))).then((answers) => {
      if (ctrl.signal.aborted) return;
      setReports((prev) => {
        const next = new Map(prev);
        answers.forEach((a, i) => next.set(missing[i], a.status === 'fulfilled' ? { name: textOf(a.value.name, lang) || t('reports.untitled'), definition: a.value.definition } : { name: missing[i] }));
        return next;
      });
    });
    return () => ctrl.abort();
  }, [ids, reports, lang, t]);

  const onLoaded = useCallback((found: string[]) => setIds(found), []);

  return (
    <div className="ky-page ky-report-rules-page" data-testid="report-rules-page">
      <div className="ky-page-head">
        <div className="ky-page-title">
          <Button type="text" icon={<ArrowLeftOutlined />} onClick={() => navigate('/reports')} aria-label={t('common.back')} />
          <BellOutlined style={{ fontSize: 24 }} />
          <div>
            <h1>{t('reports.rules.mine')}</h1>
            <Typography.Text type="secondary">{t('reports.rules.mineHelp')}</Typography.Text>
          </div>
        </div>
      </div>
      <div className="ky-panel">
        <RulesPanel reportId={null} reports={reports} tab={tab} onTab={(next) => setParams(next === 'alerts' ? {} : { tab: next }, { replace: true })} onLoaded={onLoaded} />
      </div>
    </div>
  );
}
