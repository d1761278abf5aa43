/**
 * One dashboard (/dashboards/:id): its widgets for the reader, the filter bar, and for its
 * editors the edit mode. `?edit=1` opens a dashboard just created ready to add widgets.
 */
import { ArrowLeftOutlined } from '@ant-design/icons';
import { Button } from 'antd';
import { useNavigate, useParams, useSearchParams } from 'react-router-dom';
import DashboardView from '../../dashboards/DashboardView';
import { useI18n } from '../../i18n';

export default function DashboardPage() {
  const { id = '' } = useParams();
  const [search] = useSearchParams();
  const navigate = useNavigate();
  const { t } = useI18n();
  return (
    <div className="ky-page ky-dashboard-page">
      <DashboardView
        key={id}
        id={id}
        editFirst={search.get('edit') === '1'}
        before={<Button type="text" icon={<ArrowLeftOutlined />} onClick={() => navigate('/dashboards')} aria-label={t('dashboards.back')} data-testid="dashboard-back" />}
      />
    </div>
  );
}
