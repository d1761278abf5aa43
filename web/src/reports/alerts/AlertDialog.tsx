/**
 * A new alert on a report, or a change to one: the value it watches (one of the report's
 * values), the condition — above or below a threshold (over the total, or over any group of a
 * summary or matrix), or a drop or rise of some percent against the value some days before
 * (7: week over week) — when it is checked, and who is told. Each recipient is judged on their
 * own view of the report, so the editor says nothing about whose numbers it is.
 */
import { Alert, Form, Input, InputNumber, Modal, Radio, Select, Space, Switch } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { errorMessage } from '../../components/Status';
import { useI18n, type MessageKey } from '../../i18n';
import { useMetadata } from '../../state/metadata';
import { useCurrentUser } from '../../state/session';
import type { ReportDefinition } from '../api';
import { at, type Errors } from '../builder/errors';
import { alertsApi, THRESHOLD_OPS, type ChangeDirection, type ReportAlert, type ThresholdOp } from './api';
import { alertBody, alertForm, measureChoices, missingAlertParts, placeRuleErrors, type AlertForm, type ConditionKind } from './forms';
import { RecipientsFields } from './Recipients';
import { ScheduleFields } from './ScheduleFields';

/** The server's error paths a control shows; others go above the form. */
const PLACED = /^(name|condition\.(value|op|threshold|scope|change|percent|period_days)|schedule|recipients(\.users|\.roles)?|active)$/;

interface Props {
  open: boolean;
  reportId: string;
  /** The report's definition: its values and whether it has groups (none: it is closed to the reader). */
  definition?: ReportDefinition;
  /** The alert to edit; none: a new one. */
  alert: ReportAlert | null;
  /** Names of the people and roles the alert names. */
  titles: Map<string, string>;
  onClose: () => void;
  onSaved: (alert: ReportAlert) => void;
}

export function AlertDialog({ open, reportId, definition, alert, titles, onClose, onSaved }: Props) {
  const { t, lang } = useI18n();
  const { objects } = useMetadata();
  const user = useCurrentUser();
  const measures = useMemo(() => measureChoices(definition, objects, lang, t), [definition, objects, lang, t]);
  const [form, setForm] = useState<AlertForm>(() => alertForm(alert, measures[0]?.value ?? '', titles));
  const [errors, setErrors] = useState<Errors>({});
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    if (!open) return;
    setForm(alertForm(alert, measures[0]?.value ?? '', titles));
    setErrors({});
    // Names arriving later do not reset what was typed (see the effect below).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [open, alert, measures]);
  useEffect(() => {
    const named = (list: AlertForm['users']) => list.map((v) => ({ value: v.value, label: titles.get(v.value) ?? v.label }));
    setForm((f) => ({ ...f, users: named(f.users), roles: named(f.roles) }));
  }, [titles]);

  const set = (part: Partial<AlertForm>) => setForm((f) => ({ ...f, ...part }));
  const valueOptions = measures.some((m) => m.value === form.value) || !form.value ? measures : [...measures, { value: form.value, label: form.value }];
  const grouped = !!definition && definition.type !== 'tabular';

  const save = async () => {
    const missing = missingAlertParts(form);
    if (missing.length) {
      setErrors(Object.fromEntries(missing.map((m) => [m, t('common.required')])));
      return;
    }
    setSaving(true);
    setErrors({});
    try {
      const body = alertBody(form, reportId);
      if (alert) {
        const { report_id: _, ...change } = body;
        onSaved(await alertsApi.update(alert.id, change));
      } else {
        onSaved(await alertsApi.create(body));
      }
    } catch (e) {
      setErrors(placeRuleErrors(e, PLACED) ?? { _: errorMessage(e, t) });
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      open={open}
      title={alert ? t('reports.alerts.edit') : t('reports.alerts.new')}
      onCancel={onClose}
      onOk={() => void save()}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={saving}
      destroyOnHidden
      width={620}
    >
      <div data-testid="alert-dialog">
        {errors._ && <Alert type="error" showIcon message={errors._} style={{ marginBottom: 12 }} data-testid="alert-dialog-error" />}
        <Form layout="vertical" component="div">
          <Form.Item label={t('reports.alerts.name')} required {...at(errors, 'name')}>
            <Input value={form.name} onChange={(e) => set({ name: e.target.value })} maxLength={200} placeholder={t('reports.alerts.namePlaceholder')} data-testid="alert-name" />
          </Form.Item>
          <Form.Item label={t('reports.alerts.value')} required {...at(errors, 'condition.value')}>
            <Select value={form.value || undefined} onChange={(value: string) => set({ value })} options={valueOptions} data-testid="alert-value" aria-label={t('reports.alerts.value')} />
          </Form.Item>
          <Form.Item label={t('reports.alerts.when')}>
            <Radio.Group value={form.kind} onChange={(e) => set({ kind: e.target.value as ConditionKind })} data-testid="alert-kind">
              <Radio value="threshold" data-testid="alert-kind-threshold">
                {t('reports.alerts.kind.threshold')}
              </Radio>
              <Radio value="change" data-testid="alert-kind-change">
                {t('reports.alerts.kind.change')}
              </Radio>
            </Radio.Group>
          </Form.Item>
          {form.kind === 'threshold' ? (
            <>
              <Space align="start" wrap>
                <Form.Item label={t('reports.alerts.op')} {...at(errors, 'condition.op')}>
                  <Select<ThresholdOp>
                    value={form.op}
                    onChange={(op) => set({ op })}
                    options={THRESHOLD_OPS.map((op) => ({ value: op, label: t(`reports.alerts.op.${op}` as MessageKey) }))}
                    style={{ minWidth: 150 }}
                    data-testid="alert-op"
                    aria-label={t('reports.alerts.op')}
                  />
                </Form.Item>
                <Form.Item label={t('reports.alerts.threshold')} required {...at(errors, 'condition.threshold')}>
                  <Input value={form.threshold} onChange={(e) => set({ threshold: e.target.value })} inputMode="decimal" style={{ width: 180 }} data-testid="alert-threshold" />
                </Form.Item>
              </Space>
              {grouped && (
                <Form.Item label={t('reports.alerts.scope')} {...at(errors, 'condition.scope')}>
                  <Radio.Group value={form.scope} onChange={(e) => set({ scope: e.target.value as AlertForm['scope'] })} data-testid="alert-scope">
                    <Radio value="total">{t('reports.alerts.scope.total')}</Radio>
                    <Radio value="any_group" data-testid="alert-scope-any">
                      {t('reports.alerts.scope.any_group')}
                    </Radio>
                  </Radio.Group>
                </Form.Item>
              )}
            </>
          ) : (
            <Space align="start" wrap>
              <Form.Item label={t('reports.alerts.change')} {...at(errors, 'condition.change')}>
                <Select<ChangeDirection>
                  value={form.change}
                  onChange={(change) => set({ change })}
                  options={[
                    { value: 'drop', label: t('reports.alerts.change.drop') },
                    { value: 'rise', label: t('reports.alerts.change.rise') },
                  ]}
                  style={{ minWidth: 130 }}
                  data-testid="alert-change"
                  aria-label={t('reports.alerts.change')}
                />
              </Form.Item>
              <Form.Item label={t('reports.alerts.percent')} required {...at(errors, 'condition.percent')}>
                <Input value={form.percent} onChange={(e) => set({ percent: e.target.value })} inputMode="decimal" suffix="%" style={{ width: 120 }} data-testid="alert-percent" />
              </Form.Item>
              <Form.Item label={t('reports.alerts.periodDays')} extra={t('reports.alerts.periodHelp')} {...at(errors, 'condition.period_days')}>
                <InputNumber<number> value={form.periodDays} onChange={(periodDays) => set({ periodDays })} min={1} max={90} precision={0} style={{ width: 120 }} data-testid="alert-period" />
              </Form.Item>
            </Space>
          )}
          <ScheduleFields value={form.schedule} onChange={(schedule) => set({ schedule })} errors={errors} />
          <RecipientsFields users={form.users} roles={form.roles} onUsers={(users) => set({ users })} onRoles={(roles) => set({ roles })} canPickRoles={!!user?.is_admin} errors={errors} />
          <Form.Item label={t('reports.rules.active')} {...at(errors, 'active')}>
            <Switch checked={form.active} onChange={(active) => set({ active })} data-testid="alert-active" />
          </Form.Item>
        </Form>
      </div>
    </Modal>
  );
}
