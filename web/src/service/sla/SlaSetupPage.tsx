import '../../i18n/service-sla';
import { DeleteOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Descriptions, Empty, Input, InputNumber, Select, Skeleton, Space, Switch, Table, Tabs, Typography } from 'antd';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { RecordData } from '../../api/types';
import { ErrorResult, errorMessage } from '../../components/Status';
import { type MessageKey, useI18n } from '../../i18n';
import { slaApi, type PreviewAnswer } from './api';
import { cellKey, formatDue, GRADES, type Grid, intervalProblem, localToIso, PRIORITIES, sortedHours, targetGrid, targetWrites, WEEKDAYS } from './slaModel';

/**
 * Setup › Service levels: business calendars (working hours per weekday, the company's own days
 * off and make-up working days, China's public holidays switch, and a preview of what a case
 * starting at a given time would be due) and SLA policies with their targets per priority and
 * account grade. Everything is saved through the records API, so the server's checks (HH:MM
 * times, a calendar without hours, targets above zero) answer here as they do anywhere else.
 */
export default function SlaSetupPage() {
  const { t } = useI18n();
  return (
    <div className="ky-setup-panel" data-testid="sla-setup-page">
      <div className="ky-setup-toolbar">
        <h2>{t('sla.title')}</h2>
      </div>
      <p className="ky-page-sub">{t('sla.help')}</p>
      <Tabs
        items={[
          { key: 'calendars', label: t('sla.calendars'), children: <CalendarsPanel /> },
          { key: 'policies', label: t('sla.policies'), children: <PoliciesPanel /> },
        ]}
      />
    </div>
  );
}

/** Records loaded by ``load``, loaded again whenever ``key`` changes (or on ``reload``). */
function useRecords(load: () => Promise<RecordData[]>, key: string) {
  const [rows, setRows] = useState<RecordData[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const loader = useRef(load);
  loader.current = load;
  const reload = useCallback(() => {
    setError(null);
    loader.current().then(setRows).catch(setError);
  }, []);
  useEffect(reload, [reload, key]);
  return { rows, error, reload };
}

function CalendarsPanel() {
  const { t } = useI18n();
  const { message } = App.useApp();
  const calendars = useRecords(() => slaApi.calendars(), '');
  const [selected, setSelected] = useState<string | null>(null);
  const calendar = calendars.rows?.find((c) => c.id === selected) ?? calendars.rows?.[0] ?? null;
  const calendarId = calendar?.id ?? '';
  const hours = useRecords(() => (calendarId ? slaApi.hours(calendarId) : Promise.resolve([])), calendarId);
  const dates = useRecords(() => (calendarId ? slaApi.dates(calendarId) : Promise.resolve([])), calendarId);
  const [newHours, setNewHours] = useState({ weekday: '1', start: '09:00', end: '18:00' });
  const [newDate, setNewDate] = useState({ date: '', name: '', kind: 'holiday' });

  const run = async (work: () => Promise<unknown>, after: () => void) => {
    try {
      await work();
      message.success(t('sla.saved'));
      after();
    } catch (e) {
      message.error(errorMessage(e, t));
    }
  };

  if (calendars.error) return <ErrorResult error={calendars.error} onRetry={calendars.reload} />;
  if (!calendars.rows) return <Skeleton active />;
  if (!calendar) return <Empty description={t('sla.noCalendars')} />;

  const addHours = () => {
    const problem = intervalProblem(newHours.start, newHours.end);
    if (problem) return void message.error(t(`sla.hours.${problem}` as MessageKey));
    void run(
      () => slaApi.create('business_hours', { calendar: calendarId, weekday: newHours.weekday, start_time: newHours.start, end_time: newHours.end }),
      hours.reload,
    );
  };
  const addDate = () =>
    void run(
      () => slaApi.create('calendar_holiday', { calendar: calendarId, date: newDate.date, name: newDate.name, kind: newDate.kind }),
      () => {
        setNewDate({ date: '', name: '', kind: 'holiday' });
        dates.reload();
      },
    );

  return (
    <Space direction="vertical" style={{ width: '100%' }} size="middle">
      <Space wrap>
        <Select
          style={{ minWidth: 240 }}
          value={calendarId}
          data-testid="sla-calendar-select"
          options={calendars.rows.map((c) => ({ value: c.id, label: `${c.name} (${c.key})` }))}
          onChange={setSelected}
        />
        <Typography.Text type="secondary">{String(calendar.time_zone ?? '')}</Typography.Text>
        <label>
          <Switch
            checked={Boolean(calendar.china_holidays)}
            data-testid="sla-china-holidays"
            onChange={(on) => void run(() => slaApi.update('business_calendar', calendar, { china_holidays: on }), calendars.reload)}
          />{' '}
          {t('sla.chinaHolidays')}
        </label>
      </Space>
      <Typography.Text type="secondary">{t('sla.chinaHolidaysHelp')}</Typography.Text>
      <Card size="small" title={t('sla.hours.title')}>
        <Table
          size="small"
          rowKey="id"
          pagination={false}
          loading={!hours.rows}
          dataSource={sortedHours(hours.rows ?? [])}
          data-testid="sla-hours"
          columns={[
            { title: t('sla.weekday'), render: (_, r) => t(`sla.weekday.${String(r.weekday)}` as MessageKey) },
            { title: t('sla.hours.from'), dataIndex: 'start_time' },
            { title: t('sla.hours.to'), dataIndex: 'end_time' },
            {
              title: '',
              width: 48,
              render: (_, r) => (
                <Button size="small" type="text" icon={<DeleteOutlined />} aria-label={t('sla.remove')} onClick={() => void run(() => slaApi.remove('business_hours', r.id), hours.reload)} />
              ),
            },
          ]}
        />
        <Space wrap style={{ marginTop: 8 }}>
          <Select
            style={{ width: 120 }}
            value={newHours.weekday}
            options={WEEKDAYS.map((d) => ({ value: d, label: t(`sla.weekday.${d}` as MessageKey) }))}
            onChange={(weekday) => setNewHours({ ...newHours, weekday })}
          />
          <Input style={{ width: 90 }} value={newHours.start} placeholder="09:00" aria-label={t('sla.hours.from')} onChange={(e) => setNewHours({ ...newHours, start: e.target.value })} />
          <Input style={{ width: 90 }} value={newHours.end} placeholder="18:00" aria-label={t('sla.hours.to')} onChange={(e) => setNewHours({ ...newHours, end: e.target.value })} />
          <Button onClick={addHours} data-testid="sla-add-hours">{t('sla.add')}</Button>
        </Space>
      </Card>
      <Card size="small" title={t('sla.dates.title')}>
        <Table
          size="small"
          rowKey="id"
          pagination={false}
          loading={!dates.rows}
          dataSource={[...(dates.rows ?? [])].sort((a, b) => String(a.date).localeCompare(String(b.date)))}
          columns={[
            { title: t('sla.dates.date'), dataIndex: 'date' },
            { title: t('sla.dates.name'), dataIndex: 'name' },
            { title: t('sla.dates.kind'), render: (_, r) => t(r.kind === 'workday' ? 'sla.dates.workday' : 'sla.dates.holiday') },
            {
              title: '',
              width: 48,
              render: (_, r) => (
                <Button size="small" type="text" icon={<DeleteOutlined />} aria-label={t('sla.remove')} onClick={() => void run(() => slaApi.remove('calendar_holiday', r.id), dates.reload)} />
              ),
            },
          ]}
        />
        <Space wrap style={{ marginTop: 8 }}>
          <Input type="date" style={{ width: 160 }} value={newDate.date} aria-label={t('sla.dates.date')} onChange={(e) => setNewDate({ ...newDate, date: e.target.value })} />
          <Input style={{ width: 160 }} value={newDate.name} placeholder={t('sla.dates.name')} onChange={(e) => setNewDate({ ...newDate, name: e.target.value })} />
          <Select
            style={{ width: 180 }}
            value={newDate.kind}
            options={[
              { value: 'holiday', label: t('sla.dates.holiday') },
              { value: 'workday', label: t('sla.dates.workday') },
            ]}
            onChange={(kind) => setNewDate({ ...newDate, kind })}
          />
          <Button onClick={addDate} disabled={!newDate.date || !newDate.name}>{t('sla.add')}</Button>
        </Space>
      </Card>
      <PreviewCard calendarId={calendarId} />
    </Space>
  );
}

function PreviewCard({ calendarId }: { calendarId: string }) {
  const { t } = useI18n();
  const policies = useRecords(() => slaApi.policies(), '');
  const mine = useMemo(() => (policies.rows ?? []).filter((p) => p.calendar === calendarId), [policies.rows, calendarId]);
  const [policy, setPolicy] = useState<string | undefined>();
  const [priority, setPriority] = useState('high');
  const [start, setStart] = useState('2026-12-04T17:00');
  const [answer, setAnswer] = useState<PreviewAnswer | null>(null);
  const [error, setError] = useState<unknown>(null);
  const key = policy ?? (mine[0]?.key as string | undefined);

  const ask = () => {
    if (!key) return;
    setError(null);
    slaApi.preview({ policy: key, priority, start: localToIso(start) }).then(setAnswer).catch((e) => {
      setAnswer(null);
      setError(e);
    });
  };

  return (
    <Card size="small" title={t('sla.preview.title')}>
      {mine.length === 0 ? (
        <Typography.Text type="secondary">{t('sla.preview.noPolicy')}</Typography.Text>
      ) : (
        <Space direction="vertical" style={{ width: '100%' }}>
          <Space wrap>
            <Select style={{ minWidth: 180 }} value={key} options={mine.map((p) => ({ value: String(p.key), label: String(p.name) }))} onChange={setPolicy} />
            <Select style={{ width: 120 }} value={priority} options={PRIORITIES.map((p) => ({ value: p, label: t(`sla.priority.${p}` as MessageKey) }))} onChange={setPriority} />
            <Input type="datetime-local" style={{ width: 220 }} value={start} aria-label={t('sla.preview.start')} onChange={(e) => setStart(e.target.value)} />
            <Button type="primary" onClick={ask} data-testid="sla-preview">{t('sla.preview.ask')}</Button>
          </Space>
          {error ? <Alert type="error" message={errorMessage(error, t)} /> : null}
          {answer ? (
            <Descriptions size="small" column={1} data-testid="sla-preview-answer">
              <Descriptions.Item label={t('sla.firstResponse')}>{formatDue(answer.first_response_due)}</Descriptions.Item>
              <Descriptions.Item label={t('sla.resolution')}>{formatDue(answer.resolution_due)}</Descriptions.Item>
            </Descriptions>
          ) : null}
          {answer?.warnings.map((w) => (
            <Alert key={w} type="warning" message={t('sla.preview.uncovered', { year: w.split(':')[1] ?? w })} />
          ))}
        </Space>
      )}
    </Card>
  );
}

function PoliciesPanel() {
  const { t } = useI18n();
  const { message } = App.useApp();
  const policies = useRecords(() => slaApi.policies(), '');
  const [selected, setSelected] = useState<string | null>(null);
  const policy = policies.rows?.find((p) => p.id === selected) ?? policies.rows?.[0] ?? null;
  const policyId = policy?.id ?? '';
  const targets = useRecords(() => (policyId ? slaApi.targets(policyId) : Promise.resolve([])), policyId);
  const saved = useMemo(() => targetGrid(targets.rows ?? []), [targets.rows]);
  const [grid, setGrid] = useState<Grid>(saved);
  const [saving, setSaving] = useState(false);
  useEffect(() => setGrid(saved), [saved]);

  if (policies.error) return <ErrorResult error={policies.error} onRetry={policies.reload} />;
  if (!policies.rows) return <Skeleton active />;
  if (!policy) return <Empty description={t('sla.noPolicies')} />;

  const set = (priority: string, grade: string, field: 'first' | 'resolution', value: number | null) => {
    const k = cellKey(priority, grade);
    setGrid({ ...grid, [k]: { ...grid[k], [field]: value } });
  };
  const save = async () => {
    const writes = targetWrites(policyId, saved, grid);
    setSaving(true);
    try {
      for (const id of writes.remove) await slaApi.remove('sla_target', id);
      for (const u of writes.update) await slaApi.patch('sla_target', u.id, u.values);
      for (const c of writes.create) await slaApi.create('sla_target', c);
      message.success(t('sla.saved'));
    } catch (e) {
      message.error(errorMessage(e, t));
    } finally {
      setSaving(false);
      targets.reload();
    }
  };

  return (
    <Space direction="vertical" style={{ width: '100%' }} size="middle">
      <Select
        style={{ minWidth: 240 }}
        value={policyId}
        data-testid="sla-policy-select"
        options={policies.rows.map((p) => ({ value: p.id, label: `${p.name} (${p.key})${p.is_default ? ` · ${t('sla.default')}` : ''}` }))}
        onChange={setSelected}
      />
      <Typography.Text type="secondary">{t('sla.targets.help', { percent: String(policy.warn_at_percent ?? '') })}</Typography.Text>
      <Table
        size="small"
        rowKey="priority"
        pagination={false}
        loading={!targets.rows}
        data-testid="sla-targets"
        dataSource={PRIORITIES.map((priority) => ({ priority }))}
        columns={[
          { title: t('sla.priority'), render: (_, r) => t(`sla.priority.${r.priority}` as MessageKey) },
          ...GRADES.map((grade) => ({
            title: grade ? t('sla.grade', { grade }) : t('sla.anyGrade'),
            render: (_: unknown, r: { priority: string }) => {
              const cell = grid[cellKey(r.priority, grade)];
              return (
                <Space.Compact size="small">
                  <InputNumber min={0.01} step={0.5} style={{ width: 72 }} value={cell?.first} placeholder={t('sla.firstResponseShort')} aria-label={`${r.priority}/${grade || '*'} ${t('sla.firstResponse')}`} onChange={(v) => set(r.priority, grade, 'first', v)} />
                  <InputNumber min={0.01} step={1} style={{ width: 72 }} value={cell?.resolution} placeholder={t('sla.resolutionShort')} aria-label={`${r.priority}/${grade || '*'} ${t('sla.resolution')}`} onChange={(v) => set(r.priority, grade, 'resolution', v)} />
                </Space.Compact>
              );
            },
          })),
        ]}
      />
      <Button type="primary" loading={saving} onClick={() => void save()} data-testid="sla-save-targets">{t('sla.saveTargets')}</Button>
    </Space>
  );
}
