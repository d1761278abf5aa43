import { RightOutlined, UndoOutlined } from '@ant-design/icons';
import { Alert, App, Button, Empty, List, Skeleton, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api } from '../api/endpoints';
import type { ObjectMeta, RecordData } from '../api/types';
import { ObjectIcon } from '../components/ObjectIcon';
import '../components/records.css';
import { errorMessage, FullPageSpinner } from '../components/Status';
import { useI18n } from '../i18n';
import { recordTitle } from '../lib/fields';
import { formatDateTime } from '../lib/format';
import { can } from '../lib/layout';
import { useMetadata } from '../state/metadata';
import { useFormatSettings } from '../state/session';
import NotFoundPage from './NotFoundPage';

const PAGE = 50;

export default function RecycleBinPage() {
  const { object: objectName = '' } = useParams();
  const { getObject, loading } = useMetadata();
  const obj = getObject(objectName);
  if (!obj) return loading ? <FullPageSpinner /> : <NotFoundPage />;
  return <Bin key={obj.name} object={obj} />;
}

/**
 * Deleted records of one object, most recently deleted first (deletion bumps `updated_at`),
 * each with a Restore button. Restoring may fail with 409 when a unique value was taken meanwhile.
 */
function Bin({ object }: { object: ObjectMeta }) {
  const { t, label } = useI18n();
  const fmt = useFormatSettings();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [records, setRecords] = useState<RecordData[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [restoring, setRestoring] = useState<string | null>(null);
  const plural = label(object.plural_labels ?? object.labels, object.name);
  const load = useCallback(
    async (from: string | null) => {
      setLoading(true);
      setError(null);
      try {
        const fields = ['id', object.name_field, 'updated_at', 'updated_by'];
        const page = await api.list(object.name, { deleted: true, sort: '-updated_at', fields, limit: PAGE, cursor: from });
        setRecords((prev) => (from ? [...prev, ...page.records] : page.records));
        setCursor(page.next_cursor);
      } catch (e) {
        setError(e);
      } finally {
        setLoading(false);
      }
    },
    [object.name, object.name_field],
  );
  useEffect(() => {
    document.title = `${t('bin.title')} · ${plural}`;
    void load(null);
  }, [load, plural, t]);

  const restore = async (r: RecordData) => {
    setRestoring(r.id);
    try {
      await api.restore(object.name, r.id);
      setRecords((prev) => prev.filter((x) => x.id !== r.id));
      message.success({
        content: (
          <span>
            {t('common.restored')}{' '}
            <Button type="link" size="small" onClick={() => navigate(`/o/${object.name}/${encodeURIComponent(r.id)}`)}>
              {t('field.open')}
            </Button>
          </span>
        ),
      });
    } catch (e) {
      message.error(errorMessage(e, t));
    } finally {
      setRestoring(null);
    }
  };

  return (
    <div className="ky-page ky-bin-page">
      <div className="ky-crumbs">
        <Link to={`/o/${object.name}`}>{plural}</Link>
        <RightOutlined />
        <span className="ky-crumb-current">{t('bin.title')}</span>
      </div>
      <div className="ky-page-head">
        <div className="ky-page-title">
          <ObjectIcon name={object.name} icon={object.icon} size={36} />
          <div>
            <h1>{t('bin.titleOf', { object: plural })}</h1>
            <div className="ky-page-sub">{t('bin.help')}</div>
          </div>
        </div>
      </div>
      {error !== null && <Alert type="error" showIcon message={errorMessage(error, t)} className="ky-mb" />}
      <div className="ky-panel">
        {loading && records.length === 0 ? (
          <Skeleton active paragraph={{ rows: 6 }} />
        ) : records.length === 0 ? (
          <Empty description={t('bin.empty')} />
        ) : (
          <List
            dataSource={records}
            data-testid="bin-list"
            renderItem={(r) => (
              <List.Item
                actions={
                  can(object, 'delete')
                    ? [
                        <Button key="restore" icon={<UndoOutlined />} loading={restoring === r.id} onClick={() => void restore(r)} data-testid="bin-restore">
                          {t('bin.restore')}
                        </Button>,
                      ]
                    : []
                }
              >
                <List.Item.Meta
                  title={<span data-testid="bin-title">{recordTitle(object, r) || t('record.untitled')}</span>}
                  description={t('bin.deletedBy', {
                    at: r.updated_at ? formatDateTime(r.updated_at, fmt) : '',
                    by: r._display?.updated_by ?? t('history.someone'),
                  })}
                />
              </List.Item>
            )}
          />
        )}
        {cursor && (
          <div className="ky-list-foot">
            <Button onClick={() => void load(cursor)} loading={loading}>
              {t('common.loadMore')}
            </Button>
          </div>
        )}
        {!cursor && records.length > 0 && (
          <div className="ky-list-foot">
            <Typography.Text type="secondary">{t('list.end')}</Typography.Text>
          </div>
        )}
      </div>
    </div>
  );
}
