import { ClockCircleOutlined, EnterOutlined, SearchOutlined } from '@ant-design/icons';
import { Empty, Input, Modal, Spin, type InputRef } from 'antd';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { api } from '../api/endpoints';
import type { SearchHit } from '../api/types';
import { useI18n } from '../i18n';
import { loadRecent } from '../lib/recent';
import { useMetadata } from '../state/metadata';
import { ObjectIcon } from './ObjectIcon';
import { errorMessage } from './Status';

interface Group {
  object: string;
  hits: SearchHit[];
}

/** Group hits by object, keeping the order of each object's best hit. */
export function groupHits(hits: SearchHit[]): Group[] {
  const groups: Group[] = [];
  const index = new Map<string, Group>();
  for (const h of hits) {
    let g = index.get(h.object);
    if (!g) {
      g = { object: h.object, hits: [] };
      index.set(h.object, g);
      groups.push(g);
    }
    g.hits.push(h);
  }
  return groups;
}

export default function SearchModal({ open, onClose, tenant }: { open: boolean; onClose: () => void; tenant: string }) {
  const { t, label } = useI18n();
  const { getObject } = useMetadata();
  const navigate = useNavigate();
  const [q, setQ] = useState('');
  const [hits, setHits] = useState<SearchHit[]>([]);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [active, setActive] = useState(0);
  const inputRef = useRef<InputRef>(null);
  const listRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (open) {
      setActive(0);
      setTimeout(() => inputRef.current?.focus({ cursor: 'all' }), 50);
    }
  }, [open]);

  useEffect(() => {
    const text = q.trim();
    if (!text) {
      setHits([]);
      setError(null);
      setLoading(false);
      return;
    }
    const ctrl = new AbortController();
    setLoading(true);
    const timer = setTimeout(() => {
      api
        .search(text, 20, ctrl.signal)
        .then((res) => {
          setHits(res.hits ?? []);
          setError(null);
          setActive(0);
        })
        .catch((e) => {
          if (!ctrl.signal.aborted) setError(errorMessage(e, t));
        })
        .finally(() => {
          if (!ctrl.signal.aborted) setLoading(false);
        });
    }, 180);
    return () => {
      clearTimeout(timer);
      ctrl.abort();
    };
  }, [q, t]);

  const recent = useMemo(() => (open && !q.trim() ? loadRecent(tenant).slice(0, 8) : []), [open, q, tenant]);
  const groups = useMemo(() => groupHits(hits), [hits]);
  const flat: { object: string; id: string; title: string }[] = q.trim() ? groups.flatMap((g) => g.hits) : recent;

  const go = (item: { object: string; id: string } | undefined) => {
    if (!item) return;
    onClose();
    setQ('');
    navigate(`/o/${item.object}/${encodeURIComponent(item.id)}`);
  };

  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setActive((a) => Math.min(a + 1, Math.max(flat.length - 1, 0)));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(a - 1, 0));
    } else if (e.key === 'Enter' && !e.nativeEvent.isComposing) {
      e.preventDefault();
      go(flat[active]);
    }
  };

  useEffect(() => {
    listRef.current?.querySelector('[data-active="true"]')?.scrollIntoView({ block: 'nearest' });
  }, [active]);

  const objectLabel = (name: string) => {
    const o = getObject(name);
    return o ? label(o.plural_labels ?? o.labels, name) : name;
  };

  let index = -1;
  const row = (item: { object: string; id: string; title: string }, icon?: React.ReactNode) => {
    index += 1;
    const i = index;
    const o = getObject(item.object);
    return (
      <div
        key={`${item.object}:${item.id}`}
        role="option"
        aria-selected={i === active}
        data-active={i === active}
        className={`ky-search-row${i === active ? ' is-active' : ''}`}
        onMouseEnter={() => setActive(i)}
        onClick={() => go(item)}
      >
        {icon ?? <ObjectIcon name={item.object} icon={o?.icon} size={24} />}
        <span className="ky-search-title">{item.title || t('record.untitled')}</span>
        <span className="ky-search-obj">{o ? label(o.labels, item.object) : item.object}</span>
        {i === active && <EnterOutlined className="ky-search-enter" />}
      </div>
    );
  };

  return (
    <Modal
      open={open}
      onCancel={onClose}
      footer={null}
      closable={false}
      width={640}
      className="ky-search-modal"
      styles={{ content: { padding: 0 } }}
      destroyOnHidden={false}
      title={null}
    >
      <div className="ky-search-box" onKeyDown={onKeyDown}>
        <Input
          ref={inputRef}
          size="large"
          variant="borderless"
          prefix={<SearchOutlined />}
          placeholder={t('search.modalPlaceholder')}
          value={q}
          onChange={(e) => setQ(e.target.value)}
          suffix={loading ? <Spin size="small" /> : null}
          aria-label={t('search.modalPlaceholder')}
          data-testid="search-input"
        />
        <div className="ky-search-results" ref={listRef} role="listbox">
          {error && <div className="ky-search-error">{t('search.error')}: {error}</div>}
          {!q.trim() && recent.length > 0 && (
            <div className="ky-search-group">
              <div className="ky-search-group-title">{t('search.recent')}</div>
              {recent.map((r) => row(r, <ClockCircleOutlined className="ky-search-clock" />))}
            </div>
          )}
          {!q.trim() && recent.length === 0 && <div className="ky-search-hint">{t('search.hint')}</div>}
          {q.trim() && !loading && !error && hits.length === 0 && (
            <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('search.noResults', { q: q.trim() })} />
          )}
          {q.trim() &&
            groups.map((g) => (
              <div className="ky-search-group" key={g.object}>
                <div className="ky-search-group-title">{objectLabel(g.object)}</div>
                {g.hits.map((h) => row(h))}
              </div>
            ))}
        </div>
        <div className="ky-search-foot">
          <span>
            <kbd className="ky-kbd">↑</kbd>
            <kbd className="ky-kbd">↓</kbd> {t('search.navigate')}
          </span>
          <span>
            <kbd className="ky-kbd">Enter</kbd> {t('search.open')}
          </span>
          <span>
            <kbd className="ky-kbd">Esc</kbd> {t('search.close')}
          </span>
        </div>
      </div>
    </Modal>
  );
}
