/**
 * Alerts and report emails in two tabs, with their editors: one report's (its page, where new
 * ones are added) or every report's the caller manages ("My alerts and subscriptions").
 */
import { BellOutlined, MailOutlined, PlusOutlined } from '@ant-design/icons';
import { App, Button, Skeleton, Tabs } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { ErrorResult } from '../../components/Status';
import { useI18n } from '../../i18n';
import type { ReportAlert, ReportSubscription } from './api';
import { AlertDialog } from './AlertDialog';
import { usePeopleTitles } from './Recipients';
import { AlertsTable, SubscriptionsTable, useRules, type ReportInfo } from './RuleTables';
import { SubscriptionDialog } from './SubscriptionDialog';

export type RulesTab = 'alerts' | 'subscriptions';

interface Props {
  /** One report's rules (new ones are added to it), or every report's (null). */
  reportId: string | null;
  /** What is known of the reports the rules are on (their names, definitions). */
  reports: Map<string, ReportInfo>;
  tab: RulesTab;
  onTab: (tab: RulesTab) => void;
  /** Told the rules once they are loaded (the page asks for the reports they are on). */
  onLoaded?: (reportIds: string[]) => void;
}

type Editing<R> = { rule: R | null; reportId: string } | null;

export function RulesPanel({ reportId, reports, tab, onTab, onLoaded }: Props) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const { alerts, subscriptions, error, reload } = useRules(reportId);
  const all = useMemo(() => [...(alerts ?? []), ...(subscriptions ?? [])], [alerts, subscriptions]);
  const titles = usePeopleTitles(all);
  const [alert, setAlert] = useState<Editing<ReportAlert>>(null);
  const [sub, setSub] = useState<Editing<ReportSubscription>>(null);

  const ids = useMemo(() => [...new Set(all.map((r) => r.report_id))].sort().join(' '), [all]);
  const loaded = !!alerts && !!subscriptions;
  useEffect(() => {
    if (loaded) onLoaded?.(ids ? ids.split(' ') : []);
  }, [loaded, ids, onLoaded]);

  if (error) return <ErrorResult error={error} onRetry={reload} />;
  if (!alerts || !subscriptions) return <Skeleton active paragraph={{ rows: 4 }} />;
  const adding = (kind: RulesTab) =>
    reportId ? (
      <Button
        type="primary"
        size="small"
        icon={<PlusOutlined />}
        onClick={() => (kind === 'alerts' ? setAlert({ rule: null, reportId }) : setSub({ rule: null, reportId }))}
        data-testid={kind === 'alerts' ? 'alert-new' : 'subscription-new'}
      >
        {kind === 'alerts' ? t('reports.alerts.new') : t('reports.subs.new')}
      </Button>
    ) : null;

  return (
    <>
      <Tabs
        activeKey={tab}
        onChange={(k) => onTab(k as RulesTab)}
        tabBarExtraContent={adding(tab)}
        items={[
          {
            key: 'alerts',
            label: (
              <span data-testid="rules-tab-alerts">
                <BellOutlined /> {t('reports.alerts.title')} ({alerts.length})
              </span>
            ),
            children: (
              <AlertsTable alerts={alerts} reports={reports} showReport={!reportId} titles={titles} onEdit={(a) => setAlert({ rule: a, reportId: a.report_id })} onChanged={reload} />
            ),
          },
          {
            key: 'subscriptions',
            label: (
              <span data-testid="rules-tab-subscriptions">
                <MailOutlined /> {t('reports.subs.title')} ({subscriptions.length})
              </span>
            ),
            children: (
              <SubscriptionsTable
                subscriptions={subscriptions}
                reports={reports}
                showReport={!reportId}
                titles={titles}
                onEdit={(s) => setSub({ rule: s, reportId: s.report_id })}
                onChanged={reload}
              />
            ),
          },
        ]}
      />
      <AlertDialog
        open={!!alert}
        reportId={alert?.reportId ?? ''}
        definition={alert ? reports.get(alert.reportId)?.definition : undefined}
        alert={alert?.rule ?? null}
        titles={titles}
        onClose={() => setAlert(null)}
        onSaved={() => {
          setAlert(null);
          message.success(t('common.saved'));
          reload();
        }}
      />
      <SubscriptionDialog
        open={!!sub}
        reportId={sub?.reportId ?? ''}
        subscription={sub?.rule ?? null}
        titles={titles}
        onClose={() => setSub(null)}
        onSaved={() => {
          setSub(null);
          message.success(t('common.saved'));
          reload();
        }}
      />
    </>
  );
}
