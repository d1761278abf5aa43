import { ArrowDownOutlined, ArrowUpOutlined, DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Checkbox, Col, Drawer, Form, Input, InputNumber, Radio, Row, Select, Space, Switch, Tooltip, type FormInstance } from 'antd';
import { useEffect, useMemo, useRef, useState } from 'react';
import { ApiError } from '../../../api/client';
import type { FieldMeta, ObjectMeta } from '../../../api/types';
import { useI18n } from '../../../i18n';
import { useMetadata } from '../../../state/metadata';
import { useFormatSettings } from '../../../state/session';
import { setupApi, type RobotChannel, type WebhookSubscription } from '../../../pages/setup/api';
import { suggestName } from '../../../pages/setup/fieldForm';
import {
  ACTION_TYPES,
  actionTarget,
  allowedWithoutRecord,
  CRON_EXAMPLES,
  cronProblem,
  dateFields,
  DEFAULT_AT_HOUR,
  flowErrors,
  flowFromForm,
  flowToForm,
  isKnownAction,
  lookupFields,
  MAX_ACTIONS,
  MAX_OFFSET_DAYS,
  newAction,
  NO_RECORD_ACTIONS,
  offsetText,
  hourText,
  rowsFor,
  TIMINGS,
  toBeforeSave,
  TRIGGER_EVENTS,
  TRIGGER_TYPES,
  writableFields,
  type ActionForm,
  type Flow,
  type FlowErrorPlace,
  type FlowForm,
  type FormName,
  type ValueRow,
} from '../../../pages/setup/flows';
import { errorMessage } from '../../Status';
import { labelRule, nameRules } from '../NewObjectModal';
import { AssignOwnerInputs, CallWebhookInputs, NotifyInputs, PostToRobotInputs, SendEmailInputs, SubmitForApprovalInputs, UnknownAction } from './ActionInputs';
import ExpressionInput, { expressionRule } from '../ExpressionInput';

interface Props {
  open: boolean;
  /** The flow being edited; null creates one. */
  flow: Flow | null;
  onClose: () => void;
  onSaved: (flow: Flow, created: boolean) => void | Promise<void>;
}

type T = ReturnType<typeof useI18n>['t'];

/** How the error summary names an action's own inputs. */
const INPUT_LABELS: Partial<Record<NonNullable<FlowErrorPlace['input']>, Parameters<T>[0]>> = {
  type: 'setup.flows.actionType',
  target: 'setup.flows.target',
  object: 'setup.flows.createObject',
  strategy: 'setup.flows.strategy',
  user_id: 'setup.flows.user',
  team_id: 'setup.flows.team',
  recipients: 'setup.flows.recipients',
  title_en: 'setup.flows.title_en',
  title_zh: 'setup.flows.title_zh',
  body_en: 'setup.flows.body_en',
  body_zh: 'setup.flows.body_zh',
  to_fields: 'setup.flows.toFields',
  to_addresses: 'setup.flows.toAddresses',
  subject_en: 'setup.flows.subject_en',
  subject_zh: 'setup.flows.subject_zh',
  text_en: 'setup.flows.text_en',
  text_zh: 'setup.flows.text_zh',
  html_en: 'setup.flows.html_en',
  html_zh: 'setup.flows.html_zh',
  webhook_id: 'setup.flows.webhook',
  channel_id: 'setup.flows.robot',
  comment: 'setup.flows.comment',
};

/** A Form.Item rule: the cron expression has its parts (the server parses it at save). */
function cronRule(t: T) {
  return {
    validator(_: unknown, value: unknown) {
      const problem = cronProblem(typeof value === 'string' ? value : '');
      return problem ? Promise.reject(new Error(t(problem === 'required' ? 'setup.flows.cronRequired' : 'setup.flows.cronParts'))) : Promise.resolve();
    },
  };
}

/**
 * Create or edit a flow: what starts it — a record's change (object, events, condition,
 * timing), a cron schedule (optionally over an object's matching records) or a day relative to
 * a date field — and its ordered actions. The server checks the whole definition at save; each
 * of its errors shows on its input and all of them in a summary.
 */
export default function FlowEditor({ open, flow, onClose, onSaved }: Props) {
  const { t, label } = useI18n();
  const { objects, byName } = useMetadata();
  const [form] = Form.useForm<FlowForm>();
  const [saving, setSaving] = useState(false);
  const [summary, setSummary] = useState<string[]>([]);
  const [nameTouched, setNameTouched] = useState(false);
  const shownErrors = useRef<FormName[]>([]);
  const { timeZone } = useFormatSettings();
  const objectName = Form.useWatch('object', form);
  const timing = Form.useWatch('timing', form);
  const flowName = Form.useWatch('name', form) as string | undefined;
  const triggerType = (Form.useWatch('trigger_type', form) as FlowForm['trigger_type'] | undefined) ?? 'record';
  const offsetDays = Form.useWatch('offset_days', form) as number | null | undefined;
  const atHour = Form.useWatch('at_hour', form) as number | null | undefined;
  const dateFieldName = Form.useWatch('date_field', form) as string | undefined;
  const trigger = objectName ? byName.get(objectName) : undefined;
  const isRecord = triggerType === 'record';
  const beforeSave = isRecord && timing === 'before_save';
  // A schedule without an object runs with no record: only some actions can (the rest greyed).
  const noRecord = triggerType === 'schedule' && !objectName;
  const dates = dateFields(trigger);
  const dateField = dates.find((f) => f.name === dateFieldName);
  const [webhooks, setWebhooks] = useState<WebhookSubscription[] | null>(null);
  const [robots, setRobots] = useState<RobotChannel[] | null>(null);

  // The company's webhooks, for call-webhook actions: asked for once the flow has one.
  const actionTypes = ((Form.useWatch('actions', form) as ActionForm[] | undefined) ?? []).map((a) => a?.type);
  const wantsWebhooks = actionTypes.includes('call_webhook');
  const wantsRobots = actionTypes.includes('post_to_robot');
  useEffect(() => {
    if (!open || webhooks || !wantsWebhooks) return;
    let live = true;
    setupApi
      .webhooks()
      .then((answer) => live && setWebhooks(answer.webhooks))
      .catch(() => live && setWebhooks([]));
    return () => {
      live = false;
    };
  }, [open, webhooks, wantsWebhooks]);

  // The company's robot channels, for post-to-robot actions: likewise asked for once needed.
  useEffect(() => {
    if (!open || robots || !wantsRobots) return;
    let live = true;
    setupApi
      .robotChannels()
      .then((answer) => live && setRobots(answer.channels))
      .catch(() => live && setRobots([]));
    return () => {
      live = false;
    };
  }, [open, robots, wantsRobots]);

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    form.setFieldsValue(flowToForm(flow));
    shownErrors.current = [];
    setSummary([]);
    setNameTouched(!!flow);
  }, [open, flow, form]);

  const objectOptions = useMemo(() => objects.map((o) => ({ value: o.name, label: `${label(o.labels, o.name)} (${o.name})` })), [objects, label]);

  const placeText = (place: FlowErrorPlace, values: FlowForm): string => {
    switch (place.part) {
      case 'name':
        return t('setup.apiName');
      case 'labels':
        return t('setup.flows.label');
      case 'other':
        return place.path || t('setup.flows.title');
      case 'action': {
        const n = t('setup.flows.actionN', { n: (place.action ?? 0) + 1 });
        if (place.input === 'recipient') return `${n} · ${t('setup.flows.recipientN', { n: (place.recipient ?? 0) + 1 })}`;
        if (place.input && INPUT_LABELS[place.input]) return `${n} · ${t(INPUT_LABELS[place.input]!)}`;
        if (!place.field) return n;
        const target = actionTarget(values.actions?.[place.action ?? 0], byName.get(values.object ?? ''), byName);
        const f = target?.fields.find((x) => x.name === place.field);
        return `${n} · ${f ? label(f.labels, f.name) : place.field}`;
      }
      default:
        return t(`setup.flows.place.${place.part}`);
    }
  };

  const save = async () => {
    form.setFields(shownErrors.current.map((name) => ({ name: name as never, errors: [] })));
    shownErrors.current = [];
    setSummary([]);
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const values = form.getFieldsValue(true) as FlowForm;
    setSaving(true);
    try {
      const body = flowFromForm(values);
      const saved = flow ? await setupApi.updateFlow(flow.id, flow.version, body) : await setupApi.createFlow(body);
      await onSaved(saved, !flow);
    } catch (e) {
      if (e instanceof ApiError && e.fieldErrors.length) {
        const mapped = flowErrors(e.fieldErrors, values);
        form.setFields(mapped.fields.map((f) => ({ name: f.name as never, errors: f.errors })));
        shownErrors.current = mapped.fields.map((f) => f.name);
        setSummary(mapped.summary.map((s) => `${placeText(s.place, values)}: ${s.message}`));
      } else if (e instanceof ApiError && e.status === 412) {
        setSummary([t('setup.flows.stale')]);
      } else setSummary([errorMessage(e, t)]);
    } finally {
      setSaving(false);
    }
  };

  const onValuesChange = (changed: Partial<FlowForm>, all: FlowForm) => {
    if ('name' in changed) setNameTouched(true);
    if ('label_en' in changed && !nameTouched && !flow) form.setFieldsValue({ name: suggestName(changed.label_en ?? '') });
    if (changed.timing === 'before_save' && all.trigger_type === 'record') form.setFieldsValue(toBeforeSave(all));
    if (changed.trigger_type === 'record' && all.timing === 'before_save') form.setFieldsValue(toBeforeSave(all));
    if ('object' in changed) {
      // The date field is the old object's: choose again (unless the new one has it too).
      const next = changed.object ? byName.get(changed.object) : undefined;
      if (all.date_field && !dateFields(next).some((f) => f.name === all.date_field)) form.setFieldsValue({ date_field: undefined });
      // Another object: its fields are others, so updates go back to "this record".
      const obj = changed.object ? byName.get(changed.object) : undefined;
      form.setFieldsValue({
        actions: (all.actions ?? []).map((a) => (a.type === 'update_fields' ? { ...a, target: 'record', values: rowsFor(a.values, obj, false) } : a)),
      });
    }
  };

  return (
    <Drawer
      open={open}
      onClose={onClose}
      width="min(920px, 100vw)"
      destroyOnHidden
      className="ky-flow-editor"
      title={flow ? t('setup.flows.edit', { name: label(flow.labels, flow.name) }) : t('setup.flows.new')}
      extra={
        <Space>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button type="primary" loading={saving} onClick={() => void save()} data-testid="flow-save">
            {t('common.save')}
          </Button>
        </Space>
      }
    >
      {summary.length > 0 && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          message={t('setup.flows.errorsTitle')}
          description={
            <ul className="ky-flow-errors">
              {summary.map((s, i) => (
                <li key={i}>{s}</li>
              ))}
            </ul>
          }
          data-testid="flow-errors"
        />
      )}
      <Form form={form} layout="vertical" onValuesChange={onValuesChange} requiredMark={false}>
        <h3 className="ky-flow-section">{t('setup.flows.basics')}</h3>
        <Row gutter={12}>
          <Col xs={24} sm={12}>
            <Form.Item name="label_en" label={t('setup.labelEn')} dependencies={['label_zh']} rules={[labelRule(t)]}>
              <Input maxLength={200} data-testid="flow-label-en" />
            </Form.Item>
          </Col>
          <Col xs={24} sm={12}>
            <Form.Item name="label_zh" label={t('setup.labelZh')}>
              <Input maxLength={200} data-testid="flow-label-zh" />
            </Form.Item>
          </Col>
          <Col xs={24} sm={12}>
            <Form.Item name="name" label={t('setup.apiName')} extra={flow ? undefined : t('setup.apiNameHelp')} rules={nameRules(t)}>
              <Input className="ky-setup-mono" maxLength={48} disabled={!!flow} data-testid="flow-name" />
            </Form.Item>
          </Col>
          <Col xs={24} sm={12}>
            <Form.Item name="active" label={t('setup.flows.active')} valuePropName="checked" extra={t('setup.flows.activeHelp')}>
              <Switch data-testid="flow-active" />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="description" label={t('setup.flows.description')}>
          <Input.TextArea autoSize={{ minRows: 1, maxRows: 4 }} maxLength={2000} data-testid="flow-description" />
        </Form.Item>

        <h3 className="ky-flow-section">{t('setup.flows.trigger')}</h3>
        <Form.Item name="trigger_type" label={t('setup.flows.triggerType')}>
          <Radio.Group className="ky-flow-timing" data-testid="flow-trigger-type">
            {TRIGGER_TYPES.map((v) => (
              <Radio key={v} value={v} data-testid={`flow-trigger-type-${v}`}>
                <div>{t(`setup.flows.triggerType.${v}`)}</div>
                <div className="ky-flow-help">{t(`setup.flows.triggerTypeHelp.${v}`)}</div>
              </Radio>
            ))}
          </Radio.Group>
        </Form.Item>
        {triggerType === 'schedule' && (
          <Form.Item
            name="cron"
            label={t('setup.flows.cron')}
            rules={[cronRule(t)]}
            extra={
              <div data-testid="flow-cron-help">
                <div>{t('setup.flows.cronHelp', { tz: timeZone })}</div>
                <div>
                  {t('setup.flows.cronExamples')}{' '}
                  {CRON_EXAMPLES.map((ex, i) => (
                    <span key={ex.cron}>
                      {i > 0 && t('setup.flows.summary.comma')}
                      <a onClick={() => form.setFields([{ name: 'cron', value: ex.cron, errors: [] }])} data-testid={`flow-cron-example-${ex.name}`}>
                        <code className="ky-setup-mono">{ex.cron}</code>
                      </a>{' '}
                      {t(`setup.flows.cronExample.${ex.name}`)}
                    </span>
                  ))}
                </div>
              </div>
            }
          >
            <Input className="ky-setup-mono" maxLength={100} placeholder="0 9 * * 1" data-testid="flow-cron" />
          </Form.Item>
        )}
        <Row gutter={12}>
          <Col xs={24} sm={12}>
            {triggerType === 'schedule' ? (
              <Form.Item name="object" label={t('setup.flows.scheduleObject')} extra={t('setup.flows.scheduleObjectHelp')}>
                <Select allowClear showSearch optionFilterProp="label" options={objectOptions} placeholder={t('setup.flows.scheduleObjectPlaceholder')} data-testid="flow-object" />
              </Form.Item>
            ) : (
              <Form.Item name="object" label={t('setup.flows.object')} rules={[{ required: true, message: t('setup.flows.objectRequired') }]}>
                <Select showSearch optionFilterProp="label" options={objectOptions} placeholder={t('setup.flows.objectPlaceholder')} data-testid="flow-object" />
              </Form.Item>
            )}
          </Col>
          <Col xs={24} sm={12}>
            {isRecord && (
              <Form.Item name="events" label={t('setup.flows.events')} rules={[{ type: 'array', min: 1, message: t('setup.flows.eventsRequired') }]}>
                <Checkbox.Group
                  options={TRIGGER_EVENTS.map((e) => ({ value: e, label: t(`setup.flows.eventLabel.${e}`), disabled: beforeSave && e === 'deleted' }))}
                  data-testid="flow-events"
                />
              </Form.Item>
            )}
            {triggerType === 'date' && (
              <Form.Item
                name="date_field"
                label={t('setup.flows.dateField')}
                rules={[{ required: true, message: t('setup.flows.dateFieldRequired') }]}
                extra={trigger && !dates.length ? t('setup.flows.noDateFields', { object: label(trigger.labels, trigger.name) }) : undefined}
              >
                <Select
                  showSearch
                  optionFilterProp="label"
                  options={dates.map((f) => ({ value: f.name, label: `${label(f.labels, f.name)} (${f.name})` }))}
                  placeholder={t('setup.flows.dateField')}
                  data-testid="flow-date-field"
                />
              </Form.Item>
            )}
          </Col>
        </Row>
        {triggerType === 'date' && (
          <>
            <Row gutter={12}>
              <Col xs={24} sm={12}>
                <Form.Item name="offset_days" label={t('setup.flows.offsetDays')} extra={t('setup.flows.offsetDaysHelp')} rules={[{ required: true, type: 'integer', message: t('setup.flows.offsetRequired') }]}>
                  <InputNumber min={-MAX_OFFSET_DAYS} max={MAX_OFFSET_DAYS} precision={0} style={{ width: '100%' }} data-testid="flow-offset-days" />
                </Form.Item>
              </Col>
              <Col xs={24} sm={12}>
                <Form.Item name="at_hour" label={t('setup.flows.atHour')} extra={t('setup.flows.atHourHelp', { tz: timeZone })}>
                  <Select options={Array.from({ length: 24 }, (_, h) => ({ value: h, label: hourText(h) }))} data-testid="flow-at-hour" />
                </Form.Item>
              </Col>
            </Row>
            <Alert
              type="info"
              showIcon
              style={{ marginBottom: 16 }}
              data-testid="flow-date-preview"
              message={t('setup.flows.dateRuns', {
                offset: offsetText(offsetDays, dateField ? label(dateField.labels, dateField.name) : dateFieldName || t('setup.flows.dateField'), t),
                hour: hourText(atHour ?? DEFAULT_AT_HOUR),
              })}
            />
          </>
        )}
        {isRecord && (
          <Form.Item name="timing" label={t('setup.flows.place.timing')}>
            <Radio.Group className="ky-flow-timing" data-testid="flow-timing">
              {TIMINGS.map((v) => (
                <Radio key={v} value={v} data-testid={`flow-timing-${v}`}>
                  <div>{t(`setup.flows.timing.${v}`)}</div>
                  <div className="ky-flow-help">{t(`setup.flows.timingHelp.${v}`)}</div>
                </Radio>
              ))}
            </Radio.Group>
          </Form.Item>
        )}
        {!noRecord && (
          <Form.Item
            name="condition"
            label={t('setup.flows.condition')}
            extra={t(isRecord ? 'setup.flows.conditionHelp' : triggerType === 'schedule' ? 'setup.flows.scheduleConditionHelp' : 'setup.flows.dateConditionHelp')}
            rules={[expressionRule(t, false)]}
          >
            <ExpressionInput object={trigger} placeholder={isRecord ? "stage = 'won'" : undefined} testId="flow-condition" />
          </Form.Item>
        )}
        {isRecord && (
          <Form.Item name="only_when_starting_to_match" valuePropName="checked" extra={t('setup.flows.onlyWhenHelp')}>
            <Switch data-testid="flow-only-when" checkedChildren={t('setup.flows.onlyWhen')} unCheckedChildren={t('setup.flows.everyTime')} />
          </Form.Item>
        )}

        <h3 className="ky-flow-section">{t('setup.flows.actions')}</h3>
        {beforeSave && <Alert type="info" showIcon style={{ marginBottom: 12 }} message={t('setup.flows.beforeSaveActions')} />}
        <Form.List name="actions">
          {(items, { add, remove, move }) => (
            <>
              {items.map((item, i) => (
                <ActionCard
                  key={item.key}
                  form={form}
                  name={item.name}
                  index={i}
                  count={items.length}
                  trigger={trigger}
                  beforeSave={beforeSave}
                  noRecord={noRecord}
                  webhooks={webhooks}
                  robots={robots}
                  flowName={flowName}
                  onMove={(to) => move(i, to)}
                  onRemove={() => remove(i)}
                />
              ))}
              <Button icon={<PlusOutlined />} onClick={() => add(newAction())} disabled={items.length >= MAX_ACTIONS} data-testid="flow-add-action">
                {t('setup.flows.addAction')}
              </Button>
            </>
          )}
        </Form.List>
      </Form>
    </Drawer>
  );
}

interface ActionProps {
  form: FormInstance<FlowForm>;
  /** The action's name in the form list. */
  name: number;
  index: number;
  count: number;
  trigger: ObjectMeta | undefined;
  beforeSave: boolean;
  /** The flow runs with no record (a schedule without an object): actions needing one are greyed. */
  noRecord: boolean;
  /** The company's webhooks (null while loading). */
  webhooks: WebhookSubscription[] | null;
  /** The company's robot channels (null while loading). */
  robots: RobotChannel[] | null;
  flowName: string | undefined;
  onMove: (to: number) => void;
  onRemove: () => void;
}

/** One action: its type, what it writes to, and its "field ← expression" rows. */
function ActionCard({ form, name, index, count, trigger, beforeSave, noRecord, webhooks, robots, flowName, onMove, onRemove }: ActionProps) {
  const { t, label } = useI18n();
  const { objects, byName } = useMetadata();
  const action = Form.useWatch(['actions', name], form) as ActionForm | undefined;
  const target = actionTarget(action, trigger, byName);
  const writable = writableFields(target);
  const rows: ValueRow[] = action?.values ?? [];
  const test = `flow-action-${index}`;

  const setAction = (patch: Partial<ActionForm>) => form.setFieldValue(['actions', name], { ...(form.getFieldValue(['actions', name]) as ActionForm), ...patch });

  // Another type starts afresh (field updates keep the rows that still apply to the record).
  const onType = (type: ActionForm['type']) => {
    if (!isKnownAction(type)) return;
    const fresh = newAction(type);
    // Without a record there is no owner to notify: a named user instead.
    if (noRecord && type === 'notify') fresh.recipients = [{ type: 'user' }];
    form.setFieldValue(['actions', name], type === 'update_fields' ? { ...fresh, values: rowsFor(rows, trigger, false) } : fresh);
  };
  const known = isKnownAction(action?.type);
  const typeOptions = ACTION_TYPES.map((v) => ({
    value: v as string,
    label: t(`setup.flows.type.${v}`),
    disabled: (beforeSave && v !== 'update_fields') || (noRecord && !NO_RECORD_ACTIONS.includes(v)),
  }));
  if (action?.type && !known) typeOptions.push({ value: action.type, label: t('setup.flows.type.unknown', { type: action.type }), disabled: true });

  const targetOptions = [
    { value: 'record', label: t('setup.flows.thisRecord', { object: trigger ? label(trigger.labels, trigger.name) : '' }) },
    ...(beforeSave
      ? []
      : lookupFields(trigger, byName).map((f) => {
          const parent = byName.get(f.target!)!;
          return { value: f.name, label: `${label(f.labels, f.name)} → ${label(parent.labels, parent.name)}` };
        })),
  ];

  return (
    <Card
      size="small"
      className="ky-flow-action"
      data-testid={test}
      title={t('setup.flows.actionN', { n: index + 1 })}
      extra={
        <Space size={0}>
          <Tooltip title={t('setup.flows.moveUp')}>
            <Button type="text" size="small" icon={<ArrowUpOutlined />} disabled={index === 0} onClick={() => onMove(index - 1)} aria-label={t('setup.flows.moveUp')} data-testid={`${test}-up`} />
          </Tooltip>
          <Tooltip title={t('setup.flows.moveDown')}>
            <Button type="text" size="small" icon={<ArrowDownOutlined />} disabled={index === count - 1} onClick={() => onMove(index + 1)} aria-label={t('setup.flows.moveDown')} data-testid={`${test}-down`} />
          </Tooltip>
          <Tooltip title={t('setup.flows.removeAction')}>
            <Button type="text" size="small" danger icon={<DeleteOutlined />} disabled={count === 1} onClick={onRemove} aria-label={t('setup.flows.removeAction')} data-testid={`${test}-remove`} />
          </Tooltip>
        </Space>
      }
    >
      <Row gutter={12}>
        <Col xs={24} sm={12}>
          <Form.Item name={[name, 'type']} label={t('setup.flows.actionType')}>
            <Select onChange={onType} options={typeOptions} disabled={!known} data-testid={`${test}-type`} />
          </Form.Item>
        </Col>
        <Col xs={24} sm={12}>
          {action?.type !== 'update_fields' && action?.type !== 'create_record' ? null : action?.type === 'create_record' ? (
            <Form.Item name={[name, 'object']} label={t('setup.flows.createObject')} rules={[{ required: true, message: t('setup.flows.objectRequired') }]}>
              <Select
                showSearch
                optionFilterProp="label"
                options={objects.map((o) => ({ value: o.name, label: `${label(o.labels, o.name)} (${o.name})` }))}
                onChange={(o: string) => setAction({ object: o, values: rowsFor(rows, byName.get(o), true) })}
                data-testid={`${test}-object`}
              />
            </Form.Item>
          ) : (
            <Form.Item name={[name, 'target']} label={t('setup.flows.target')}>
              <Select
                options={targetOptions}
                disabled={beforeSave}
                onChange={(v: string) => setAction({ target: v, values: rowsFor(rows, actionTarget({ type: 'update_fields', target: v }, trigger, byName), false) })}
                data-testid={`${test}-target`}
              />
            </Form.Item>
          )}
        </Col>
      </Row>
      {noRecord && action && known && !allowedWithoutRecord(action) && (
        <Alert type="warning" showIcon style={{ marginBottom: 12 }} message={t('setup.flows.needsRecord')} data-testid={`${test}-needs-record`} />
      )}
      {action?.type === 'assign_owner' ? (
        <AssignOwnerInputs form={form} name={name} test={test} trigger={trigger} />
      ) : action?.type === 'notify' ? (
        <NotifyInputs form={form} name={name} test={test} trigger={trigger} noRecord={noRecord} />
      ) : action?.type === 'send_email' ? (
        <SendEmailInputs form={form} name={name} test={test} trigger={trigger} noRecord={noRecord} />
      ) : action?.type === 'call_webhook' ? (
        <CallWebhookInputs form={form} name={name} test={test} trigger={trigger} webhooks={webhooks} flowName={flowName} />
      ) : action?.type === 'post_to_robot' ? (
        <PostToRobotInputs form={form} name={name} test={test} trigger={trigger} channels={robots} />
      ) : action?.type === 'submit_for_approval' ? (
        <SubmitForApprovalInputs form={form} name={name} test={test} trigger={trigger} />
      ) : action && !known ? (
        <UnknownAction action={action} />
      ) : (
        <ValueRows name={name} test={test} trigger={trigger} rows={rows} writable={writable} />
      )}
    </Card>
  );
}

/** The "field ← expression" rows of a field update or a record to create. */
function ValueRows({ name, test, trigger, rows, writable }: { name: number; test: string; trigger: ObjectMeta | undefined; rows: ValueRow[]; writable: FieldMeta[] }) {
  const { t, label } = useI18n();
  return (
    <>
      <div className="ky-flow-rowhead">
        <span>{t('setup.flows.field')}</span>
        <span>{t('setup.flows.value')}</span>
      </div>
      <Form.List name={[name, 'values']}>
        {(valueItems, { add, remove }) => (
          <>
            {valueItems.map((row, r) => {
              const fieldName = rows[r]?.field;
              const field = writable.find((f) => f.name === fieldName);
              const taken = new Set(rows.map((x, j) => (j === r ? undefined : x?.field)));
              return (
                <div className="ky-flow-valuerow" key={row.key} data-testid={`${test}-row-${r}`}>
                  <Form.Item name={[row.name, 'field']} rules={[{ required: true, message: t('setup.flows.fieldRequired') }]}>
                    <Select
                      showSearch
                      optionFilterProp="label"
                      placeholder={t('setup.flows.field')}
                      options={writable.map((f) => ({ value: f.name, label: `${label(f.labels, f.name)}${f.required ? ' *' : ''}`, disabled: taken.has(f.name) }))}
                      data-testid={`${test}-field-${r}`}
                    />
                  </Form.Item>
                  <Form.Item name={[row.name, 'value']} rules={[expressionRule(t, true)]}>
                    <ExpressionInput object={trigger} picklist={field?.type === 'picklist' ? field : undefined} placeholder={t('setup.flows.valuePlaceholder')} testId={`${test}-value-${r}`} />
                  </Form.Item>
                  <Button type="text" icon={<DeleteOutlined />} disabled={valueItems.length === 1} onClick={() => remove(r)} aria-label={t('setup.flows.removeField')} />
                </div>
              );
            })}
            <Button type="dashed" size="small" icon={<PlusOutlined />} onClick={() => add({})} data-testid={`${test}-add-field`}>
              {t('setup.flows.addField')}
            </Button>
          </>
        )}
      </Form.List>
    </>
  );
}
