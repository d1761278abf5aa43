/**
 * One dashboard (/dashboards/:id): its widgets for the reader, the filter bar, and for its
 * editors the edit mode. `?edit=1` opens a dashboard just created ready to add widgets.
 */
import { ArrowLeftOutlined } from '@ant-design/icons';
import { Button } from 'antd';
import { useEffect, useState } from 'react';
import { useNavigate, useParams, useSearchParams } from 'react-router-dom';
import DashboardView from '../../dashboards/DashboardView';
import { useI18n } from '../../i18n';

export default function DashboardPage() {
  const { id = '' } = useParams();
  const [search, setSearch] = useSearchParams();
  const navigate = useNavigate();
  const { t } = useI18n();
  // Read once: the address then loses `?edit=1`, so reloading the page later shows the dashboard.
  const [editFirst] = useState(() => search.get('edit') === '1');
  useEffect(() => {
    if (search.has('edit')) setSearch({}, { replace: true });
  }, [search, setSearch]);
  return (
    <div className="ky-page ky-dashboard-page">
      <DashboardView
        key={id}
        id={id}
        editFirst={editFirst}
        before={<Button type="text" icon={<ArrowLeftOutlined />} onClick={() => navigate('/dashboards')} aria-label={t('dashboards.back')} data-testid="dashboard-back" />}
      />
    </div>
  );
}
