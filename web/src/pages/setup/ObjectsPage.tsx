import { PlusOutlined, SearchOutlined } from '@ant-design/icons';
import { App, Button, Input, Table, Tag } from 'antd';
import { useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import type { ObjectMeta } from '../../api/types';
import { ObjectIcon } from '../../components/ObjectIcon';
import { NewObjectModal } from '../../components/setup/NewObjectModal';
import { useI18n } from '../../i18n';
import { useMetadata } from '../../state/metadata';

/** Every object of the tenant, standard and custom, with the way to create a new one. */
export default function ObjectsPage() {
  const { t, label } = useI18n();
  const { objects, loading, reload } = useMetadata();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [q, setQ] = useState('');
  const [creating, setCreating] = useState(false);

  const rows = useMemo(() => {
    const needle = q.trim().toLowerCase();
    const list = objects.filter(
      (o) => !needle || o.name.includes(needle) || Object.values(o.labels).some((l) => l?.toLowerCase().includes(needle)),
    );
    return [...list].sort((a, b) => Number(!!a.custom) - Number(!!b.custom) || label(a.labels, a.name).localeCompare(label(b.labels, b.name)));
  }, [objects, q, label]);

  return (
    <div className="ky-setup-panel">
      <div className="ky-setup-toolbar">
        <h2>{t('setup.objects.title')}</h2>
        <div style={{ display: 'flex', gap: 8 }}>
          <Input allowClear prefix={<SearchOutlined />} placeholder={t('setup.objects.search')} value={q} onChange={(e) => setQ(e.target.value)} style={{ width: 220 }} />
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="object-new">
            {t('setup.objects.new')}
          </Button>
        </div>
      </div>
      <Table<ObjectMeta>
        rowKey="name"
        size="middle"
        loading={loading && objects.length === 0}
        dataSource={rows}
        pagination={false}
        onRow={(o) => ({ onClick: () => navigate(`/setup/objects/${o.name}`), style: { cursor: 'pointer' } })}
        columns={[
          {
            title: t('setup.fields.label'),
            key: 'label',
            render: (_, o) => (
              <Link to={`/setup/objects/${o.name}`} style={{ display: 'inline-flex', alignItems: 'center', gap: 10 }} onClick={(e) => e.stopPropagation()}>
                <ObjectIcon name={o.name} icon={o.icon} size={26} />
                <span>{label(o.labels, o.name)}</span>
              </Link>
            ),
          },
          { title: t('setup.apiName'), dataIndex: 'name', render: (n: string) => <span className="ky-setup-mono">{n}</span> },
          {
            title: t('setup.objects.kind'),
            key: 'kind',
            render: (_, o) => (o.custom ? <Tag color="blue">{t('setup.custom')}</Tag> : <Tag>{t('setup.standard')}</Tag>),
          },
          {
            title: t('setup.objects.fields'),
            key: 'fields',
            align: 'right',
            render: (_, o) => o.fields.filter((f) => !(f as { system?: boolean }).system).length,
          },
        ]}
      />
      <NewObjectModal
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={async (name) => {
          setCreating(false);
          await reload();
          message.success(t('setup.objects.created', { name }));
          navigate(`/setup/objects/${name}`);
        }}
      />
    </div>
  );
}
