/**
 * A new alert on a report, or a change to one: the value it watches (one of the report's
 * values), the condition — above or below a threshold (over the total, or over any group of a
 * summary or matrix), or a drop or rise of some percent against the value some days before
 * (7: week over week) — when it is checked, and who is told. Each recipient is judged on their
 * own view of the report, so the editor says nothing about whose numbers it is.
 */
import { Form, Input, InputNumber, Radio, Select, Space } from 'antd';
import { useMemo } from 'react';
import { useI18n, type MessageKey } from '../../i18n';
import { useMetadata } from '../../state/metadata';
import type { ReportDefinition } from '../api';
import { at, type Errors } from '../builder/errors';
import { alertsApi, THRESHOLD_OPS, type ChangeDirection, type ReportAlert, type ThresholdOp } from './api';
import { alertBody, alertForm, measureChoices, missingAlertParts, type AlertForm, type ConditionKind } from './forms';
import { RuleDialog } from './RuleDialog';
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
  const measures = useMemo(() => measureChoices(definition, objects, lang, t), [definition, objects, lang, t]);
  const grouped = !!definition && definition.type !== 'tabular';

  return (
    <RuleDialog
      open={open}
      kind="alert"
      title={alert ? t('reports.alerts.edit') : t('reports.alerts.new')}
      rule={alert}
      build={() => alertForm(alert, measures[0]?.value ?? '', titles)}
      resetOn={measures}
      titles={titles}
      missing={missingAlertParts}
      body={(form) => alertBody(form, reportId)}
      api={alertsApi}
      placed={PLACED}
      onClose={onClose}
      onSaved={onSaved}
    >
      {(form, set, errors) => <AlertFields form={form} set={set} errors={errors} measures={measures} grouped={grouped} />}
    </RuleDialog>
  );
}

interface FieldsProps {
  form: AlertForm;
  set: (part: Partial<AlertForm>) => void;
  errors: Errors;
  measures: { value: string; label: string }[];
  /** A summary or matrix: a threshold may hold for any group, not only the total. */
  grouped: boolean;
}

/** The alert's own controls: its name, the value it watches, the condition and the schedule. */
function AlertFields({ form, set, errors, measures, grouped }: FieldsProps) {
  const { t } = useI18n();
  const valueOptions = measures.some((m) => m.value === form.value) || !form.value ? measures : [...measures, { value: form.value, label: form.value }];
  return (
    <>
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
    </>
  );
}
