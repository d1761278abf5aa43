import { DisconnectOutlined } from '@ant-design/icons';
import { Button, Result, Spin } from 'antd';
import { ApiError } from '../api/client';
import { useI18n, type TFunction } from '../i18n';

export function FullPageSpinner() {
  return (
    <div className="ky-fullpage">
      <Spin size="large" />
    </div>
  );
}

export function OfflinePage({ onRetry }: { onRetry: () => void }) {
  const { t } = useI18n();
  return (
    <div className="ky-fullpage">
      <Result
        icon={<DisconnectOutlined />}
        title={t('app.offline')}
        subTitle={t('error.network')}
        extra={
          <Button type="primary" onClick={onRetry}>
            {t('app.retry')}
          </Button>
        }
      />
    </div>
  );
}

/** A user-facing message for any error (server messages are already localised). */
export function errorMessage(e: unknown, t: TFunction): string {
  if (e instanceof ApiError) {
    if (e.isNetwork) return t('error.network');
    const p = e.problem;
    if (p.detail) return p.detail;
    if (e.fieldErrors.length) return e.fieldErrors.map((x) => x.message).join('; ');
    if (e.status === 412) return t('error.412');
    if (e.status === 403) return t('error.403');
    if (e.status === 404) return t('error.404');
    if (e.status >= 500) return t('error.500');
    if (p.title) return p.title;
  }
  if (e instanceof Error) return e.message;
  return t('common.error');
}

export function ErrorResult({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  const status = error instanceof ApiError ? error.status : 0;
  const title = status === 404 ? t('common.recordNotFound') : status === 403 ? t('common.forbidden') : t('common.error');
  return (
    <Result
      status={status === 404 ? '404' : status === 403 ? '403' : 'warning'}
      title={title}
      subTitle={status === 404 || status === 403 ? undefined : errorMessage(error, t)}
      extra={
        onRetry ? (
          <Button onClick={onRetry} type="primary">
            {t('app.retry')}
          </Button>
        ) : undefined
      }
    />
  );
}
