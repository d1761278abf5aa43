import { AppstoreOutlined, UnorderedListOutlined } from '@ant-design/icons';
import { Segmented } from 'antd';
import { useLocation, useNavigate } from 'react-router-dom';
import type { ObjectMeta } from '../api/types';
import { useI18n } from '../i18n';
import { kanbanFields } from '../lib/kanban';

/** List | Kanban switch in a list header; keeps the search and filter of the URL. */
export function ListModeSwitch({ object, mode }: { object: ObjectMeta; mode: 'list' | 'kanban' }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const location = useLocation();
  if (kanbanFields(object).length === 0) return null;
  const keep = new URLSearchParams(location.search);
  for (const k of ['view', 'sort', 'by']) keep.delete(k);
  const search = keep.toString();
  return (
    <Segmented
      value={mode}
      onChange={(v) => navigate(`/o/${object.name}${v === 'kanban' ? '/kanban' : ''}${search ? `?${search}` : ''}`)}
      options={[
        { value: 'list', icon: <UnorderedListOutlined />, label: <span data-testid="mode-list">{t('list.modeList')}</span> },
        { value: 'kanban', icon: <AppstoreOutlined />, label: <span data-testid="mode-kanban">{t('list.modeKanban')}</span> },
      ]}
    />
  );
}
