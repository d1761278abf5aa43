/**
 * Why a widget shows no numbers: its own error from the run (or from the attainment API),
 * said plainly. One widget's problem never blanks the others.
 */
import { LockOutlined, WarningFilled } from '@ant-design/icons';
import { useI18n } from '../i18n';

export function WidgetProblem({ status, code }: { status: number; code?: string | null }) {
  const { t } = useI18n();
  const text =
    status === 403
      ? t('dashboards.widget.forbidden')
      : status === 404
        ? t('dashboards.widget.missing')
        : status === 422
          ? code === 'metric_unavailable'
            ? t('dashboards.widget.metricUnavailable')
            : t('dashboards.widget.invalid')
          : status === 0
            ? t('error.network')
            : t('dashboards.widget.failed');
  return (
    <div className="ky-widget-problem" role="status" data-testid="widget-problem" data-status={status}>
      {status === 403 ? <LockOutlined /> : <WarningFilled />}
      <span>{text}</span>
    </div>
  );
}
