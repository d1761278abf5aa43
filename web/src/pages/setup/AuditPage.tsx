import { DownloadOutlined, ReloadOutlined } from '@ant-design/icons';
import { AutoComplete, Button, Descriptions, Input, Select, Space, Table, Tag } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { ErrorResult } from '../../components/Status';
import { LookupSelect, type LookupValue } from '../../fields/LookupSelect';
import { useI18n } from '../../i18n';
import { formatDateTime } from '../../lib/format';
import { useMetadata } from '../../state/metadata';
import { useFormatSettings } from '../../state/session';
import { setupApi, type AuditEntry, type AuditFilter } from './api';
import { actionLabel, detailLines } from './auditText';

/** Families of audited actions (the filter matches any action that starts with the text). */
const ACTIONS = ['auth.', 'record.', 'metadata.', 'permission.', 'share.', 'user.', 'export', 'audit.export', 'pool.', 'job.'];

const COLORS: Record<string, string> = { auth: 'geekblue', record: 'green', metadata: 'purple', permission: 'volcano', share: 'cyan', user: 'gold' };

/** The append-only audit log, newest first, with filters and a CSV export of what is shown. */
export default function AuditPage() {
  const { t, label } = useI18n();
  const { objects, getObject } = useMetadata();
  const fmt = useFormatSettings();
  const [action, setAction] = useState('');
  const [actor, setActor] = useState<LookupValue | null>(null);
  const [object, setObject] = useState<string | undefined>();
  const [recordId, setRecordId] = useState('');
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const fieldLabel = (objectName: string, field: string) => {
    const f = getObject(objectName)?.fields.find((x) => x.name === field);
    return f ? label(f.labels, f.name) : field;
  };
  const filter: AuditFilter = { action: action.trim() || undefined, actor: actor?.value, object, record_id: recordId.trim() || undefined };
  const key = JSON.stringify(filter);

  const load = useCallback(
    async (after: string | null) => {
      setLoading(true);
      setError(null);
      try {
        const page = await setupApi.audit(JSON.parse(key) as AuditFilter, after);
        setEntries((prev) => (after ? [...prev, ...page.entries] : page.entries));
        setCursor(page.next_cursor);
      } catch (e) {
        setError(e);
      } finally {
        setLoading(false);
      }
    },
    [key],
  );

  useEffect(() => {
    const timer = setTimeout(() => void load(null), 250);
    return () => clearTimeout(timer);
  }, [load]);

  return (
    <div className="ky-setup-panel">
      <div className="ky-setup-toolbar">
        <h2>{t('setup.audit.title')}</h2>
        <Space>
          <Button icon={<ReloadOutlined />} onClick={() => void load(null)} aria-label={t('common.reload')} />
          <Button icon={<DownloadOutlined />} href={setupApi.auditExportUrl(filter)} download="audit.csv" data-testid="audit-export">
            {t('setup.audit.export')}
          </Button>
        </Space>
      </div>
      <Space wrap style={{ marginBottom: 12 }}>
        <AutoComplete
          style={{ width: 200 }}
          value={action}
          onChange={setAction}
          allowClear
          placeholder={t('setup.audit.actionFilter')}
          options={ACTIONS.map((a) => ({ value: a }))}
          filterOption={(input, option) => String(option?.value ?? '').startsWith(input.trim())}
          data-testid="audit-action"
        />
        <div style={{ width: 200 }}>
          <LookupSelect target="user" value={actor} onChange={setActor} allowClear placeholder={t('setup.audit.actor')} />
        </div>
        <Select
          allowClear
          showSearch
          optionFilterProp="label"
          style={{ width: 180 }}
          placeholder={t('setup.audit.object')}
          value={object}
          onChange={setObject}
          options={objects.map((o) => ({ value: o.name, label: label(o.labels, o.name) }))}
        />
        <Input allowClear style={{ width: 260 }} placeholder={t('setup.audit.recordFilter')} value={recordId} onChange={(e) => setRecordId(e.target.value)} className="ky-setup-mono" />
      </Space>
      {error ? (
        <ErrorResult error={error} onRetry={() => void load(null)} />
      ) : (
        <>
          <Table<AuditEntry>
            rowKey="id"
            size="small"
            loading={loading && entries.length === 0}
            dataSource={entries}
            pagination={false}
            locale={{ emptyText: t('setup.audit.empty') }}
            scroll={{ x: 900 }}
            data-testid="audit-table"
            expandable={{
              expandedRowRender: (e) => (
                <Descriptions size="small" column={1} title={t('audit.details')} data-testid="audit-details">
                  {detailLines(e, t, fieldLabel).map((line) => (
                    <Descriptions.Item key={line.key} label={line.label}>
                      <span style={{ whiteSpace: 'pre-wrap' }}>{line.text}</span>
                    </Descriptions.Item>
                  ))}
                </Descriptions>
              ),
              rowExpandable: (e) => !!e.details && Object.keys(e.details).length > 0,
            }}
            columns={[
              { title: t('setup.audit.at'), dataIndex: 'at', width: 170, render: (at: string) => formatDateTime(at, fmt) },
              { title: t('setup.audit.actor'), dataIndex: 'actor_name', width: 130, render: (n: string | null) => n || '—' },
              {
                title: t('setup.audit.action'),
                dataIndex: 'action',
                width: 200,
                render: (a: string) => (
                  <Tag color={COLORS[a.split('.')[0]] ?? 'default'} title={a}>
                    {actionLabel(t, a)}
                  </Tag>
                ),
              },
              {
                title: t('setup.audit.object'),
                dataIndex: 'object',
                width: 130,
                render: (o: string | null) => {
                  const meta = o ? getObject(o) : undefined;
                  return meta ? label(meta.labels, meta.name) : o || '—';
                },
              },
              {
                title: t('setup.audit.record'),
                dataIndex: 'record_id',
                render: (id: string | null, e) => {
                  // The record's title when the server could name it; its id otherwise.
                  const title = id ? e._display?.[id] : undefined;
                  const text = title ?? id;
                  return id && e.object && getObject(e.object) ? (
                    <Link to={`/o/${e.object}/${id}`} className={title ? undefined : 'ky-setup-mono'} title={id}>
                      {text}
                    </Link>
                  ) : (
                    <span className={title ? undefined : 'ky-setup-mono'}>{text || '—'}</span>
                  );
                },
              },
              { title: t('setup.audit.ip'), dataIndex: 'ip', width: 120, render: (ip: string | null) => ip || '—' },
            ]}
          />
          {cursor && (
            <div style={{ textAlign: 'center', marginTop: 12 }}>
              <Button loading={loading} onClick={() => void load(cursor)}>
                {t('common.loadMore')}
              </Button>
            </div>
          )}
        </>
      )}
    </div>
  );
}
