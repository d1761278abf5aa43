import { AppstoreOutlined, UnorderedListOutlined } from '@ant-design/icons';
import { Segmented } from 'antd';
import { useNavigate, useSearchParams } from 'react-router-dom';
import type { ObjectMeta } from '../api/types';
import { useI18n } from '../i18n';
import { kanbanFields } from '../lib/kanban';
import { modeHref, type ListMode } from '../lib/listUrl';

/** List | Kanban switch in a list header; keeps the search and filter of the URL. */
export function ListModeSwitch({ object, mode }: { object: ObjectMeta; mode: ListMode }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  if (kanbanFields(object).length === 0) return null;
  return (
    <Segmented
      value={mode}
      onChange={(v) => navigate(modeHref(object.name, v as ListMode, params))}
      options={[
        { value: 'list', icon: <UnorderedListOutlined />, label: <span data-testid="mode-list">{t('list.modeList')}</span> },
        { value: 'kanban', icon: <AppstoreOutlined />, label: <span data-testid="mode-kanban">{t('list.modeKanban')}</span> },
      ]}
    />
  );
}
