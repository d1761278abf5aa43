import { Button, Result } from 'antd';
import { Link } from 'react-router-dom';
import { useI18n } from '../i18n';

export default function NotFoundPage({ title }: { title?: string }) {
  const { t } = useI18n();
  return (
    <Result
      status="404"
      title={title ?? t('common.notFound')}
      subTitle={t('common.notFoundHelp')}
      extra={
        <Link to="/">
          <Button type="primary">{t('common.goHome')}</Button>
        </Link>
      }
    />
  );
}
