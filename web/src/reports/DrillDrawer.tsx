/**
 * A group's records (a drill-down): the report's filter and the group's key, as a tabular
 * result with more pages on demand, and "open as list" — the same records on the object's list
 * page, where they can be sorted, edited and exported like any list.
 */
import { UnorderedListOutlined } from '@ant-design/icons';
import { Button, Drawer, Skeleton, Tooltip } from 'antd';
import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import type { RecordData } from '../api/types';
import { ErrorResult } from '../components/Status';
import { useI18n } from '../i18n';
import { useMetadata } from '../state/metadata';
import type { GroupKey, TabularResult } from './api';
import { drillListUrl } from './definition';
import { RecordsTable } from './ResultTables';
import { useReportFormat } from './useReportFormat';

export interface DrillTarget {
  key: GroupKey;
  title: string;
}

interface Props {
  object: string;
  target: DrillTarget | null;
  /** Run the report's drill-down for `key` (a saved report's or the builder's definition). */
  load: (key: GroupKey, cursor: string | null, signal?: AbortSignal) => Promise<TabularResult>;
  onClose: () => void;
}

export function DrillDrawer({ object, target, load, onClose }: Props) {
  const { t } = useI18n();
  const { getObject } = useMetadata();
  const navigate = useNavigate();
  const meta = getObject(object);
  const [result, setResult] = useState<TabularResult | null>(null);
  const [records, setRecords] = useState<RecordData[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [more, setMore] = useState(false);
  const format = useReportFormat(result);

  useEffect(() => {
    if (!target) return;
    const ctrl = new AbortController();
    setResult(null);
    setRecords([]);
    setError(null);
    load(target.key, null, ctrl.signal)
      .then((r) => {
        setResult(r);
        setRecords(r.records);
      })
      .catch((e) => !ctrl.signal.aborted && setError(e));
    return () => ctrl.abort();
  }, [target, load]);

  const loadMore = async () => {
    if (!target || !result?.next_cursor) return;
    setMore(true);
    try {
      const next = await load(target.key, result.next_cursor);
      setResult({ ...result, next_cursor: next.next_cursor });
      setRecords((rs) => [...rs, ...next.records]);
    } catch (e) {
      setError(e);
    } finally {
      setMore(false);
    }
  };

  const listUrl = meta && result ? drillListUrl(meta, result.filter) : null;
  return (
    <Drawer
      open={!!target}
      onClose={onClose}
      width="min(760px, 100vw)"
      title={target?.title}
      destroyOnHidden
      extra={
        <Tooltip title={result && !listUrl ? t('reports.drill.noList') : undefined}>
          <Button icon={<UnorderedListOutlined />} disabled={!listUrl} onClick={() => listUrl && navigate(listUrl)} data-testid="drill-open-list">
            {t('reports.drill.openList')}
          </Button>
        </Tooltip>
      }
      data-testid="drill-drawer"
    >
      {error ? (
        <ErrorResult error={error} />
      ) : !result ? (
        <Skeleton active paragraph={{ rows: 6 }} />
      ) : (
        <RecordsTable result={result} records={records} object={meta} format={format} onMore={() => void loadMore()} loadingMore={more} />
      )}
    </Drawer>
  );
}
