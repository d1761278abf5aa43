import '../../i18n/setup';
import { App, Card, Empty, Skeleton, Switch, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { ApiError } from '../../api/client';
import { ErrorResult, errorMessage } from '../../components/Status';
import { useI18n } from '../../i18n';
import { setupApi, type L2cSettings } from './api';

/**
 * The company's lead-to-cash settings (the l2c package's /l2c/settings). For now one switch:
 * whether a payment may exceed what is still open on its payment plan (off by default, so a
 * typing slip cannot record more than was agreed; some companies book advance payments).
 * The server checks that the caller is an administrator and audits every change.
 */
export default function LeadToCashPage() {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [settings, setSettings] = useState<L2cSettings | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);

  const load = useCallback(() => {
    setError(null);
    setupApi.l2cSettings().then(setSettings).catch(setError);
  }, []);
  useEffect(load, [load]);

  const change = async (allow: boolean) => {
    setSaving(true);
    try {
      setSettings(await setupApi.updateL2cSettings({ allow_overpayment: allow }));
      message.success(t('setup.l2c.saved'));
    } catch (e) {
      message.error(errorMessage(e, t));
    } finally {
      setSaving(false);
    }
  };

  return (
    <div className="ky-setup-panel" data-testid="l2c-settings-page">
      <div className="ky-setup-toolbar">
        <h2>{t('setup.l2c.title')}</h2>
      </div>
      <p className="ky-page-sub">{t('setup.l2c.help')}</p>
      {error instanceof ApiError && error.status === 404 ? (
        <Empty description={t('setup.l2c.notInstalled')} data-testid="l2c-not-installed" />
      ) : error ? (
        <ErrorResult error={error} onRetry={load} />
      ) : !settings ? (
        <Skeleton active paragraph={{ rows: 2 }} />
      ) : (
        <Card size="small" title={t('setup.l2c.payments')}>
          <label style={{ display: 'flex', gap: 12, alignItems: 'flex-start' }}>
            <Switch
              checked={settings.allow_overpayment}
              loading={saving}
              data-testid="l2c-allow-overpayment"
              onChange={(allow) => void change(allow)}
            />
            <span>
              <div>{t('setup.l2c.allowOverpayment')}</div>
              <Typography.Text type="secondary">{t('setup.l2c.allowOverpaymentHelp')}</Typography.Text>
            </span>
          </label>
        </Card>
      )}
    </div>
  );
}
