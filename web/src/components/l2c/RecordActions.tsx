/**
 * A record's package actions (submit a quote, create a contract, convert a lead…) as buttons
 * and a menu, from GET /records/{object}/{id}/actions.
 *
 * Available actions are enabled; the others are listed disabled with a tooltip, so a rep sees
 * what the record could do next. An action with an input opens a form generated from its
 * schema; a GET action (a PDF) opens in a new tab; after a POST the page reloads the record and
 * follows a returned `…_id` to the record the action created.
 */
import '../../i18n/l2c';
import { DownOutlined, ThunderboltOutlined } from '@ant-design/icons';
import { App, Button, Checkbox, DatePicker, Dropdown, Form, Input, InputNumber, Modal, Select, Space, Tooltip, type ButtonProps } from 'antd';
import type { Dayjs } from 'dayjs';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { ApiError } from '../../api/client';
import { l2cApi, type RecordAction } from '../../api/l2c';
import { dateFromForm } from '../../fields/registry';
import { useI18n, type MessageKey, type TFunction } from '../../i18n';
import { actionBody, actionFields, returnedRecord, type ActionField } from '../../lib/actionForm';
import { isDecimal } from '../../lib/decimal';
import { errorMessage } from '../Status';
import { LookupSelect, type LookupValue } from '../../fields/LookupSelect';

export interface RecordActionsProps {
  object: string;
  id: string;
  /** The record's actions (useRecordActions). */
  actions: RecordAction[];
  /** Actions this page handles itself (the lead's convert screen): name → handler. */
  overrides?: Record<string, () => void>;
  /** Actions the page shows itself (not in the menu). */
  hidden?: string[];
  /** How many available actions are buttons (the rest are in the menu). */
  maxButtons?: number;
  /** After a POST action: `created` is the record the action answered with, if any. */
  onDone: (answer: unknown, created: { object: string; id: string } | null) => void;
  /** The object names that exist (to follow `quote_id` to /o/quote/…). */
  isObject: (name: string) => boolean;
}

/** Load the record's actions; an empty list when the server has none (older servers: 404). */
export function useRecordActions(object: string, id: string, version?: number | string) {
  const [actions, setActions] = useState<RecordAction[]>([]);
  useEffect(() => {
    const ctrl = new AbortController();
    l2cApi
      .actions(object, id, ctrl.signal)
      .then((r) => setActions(r.items ?? []))
      .catch(() => setActions([]));
    return () => ctrl.abort();
  }, [object, id, version]);
  return actions;
}

/** Labels of the inputs the l2c actions declare (pydantic titles are English only). */
const FIELD_KEYS: Record<string, MessageKey> = {
  start_date: 'actions.field.start_date',
  end_date: 'actions.field.end_date',
  name: 'actions.field.name',
  reason: 'actions.field.reason',
  mode: 'actions.field.mode',
  installments: 'actions.field.installments',
  due_date: 'actions.field.due_date',
  percent: 'actions.field.percent',
  amount: 'actions.field.amount',
  tax_invoice_number: 'actions.field.tax_invoice_number',
  issued_on: 'actions.field.issued_on',
  template: 'actions.field.template',
};

/** Words for the enum values the l2c actions use. */
const OPTION_KEYS: Record<string, MessageKey> = { percent: 'actions.option.percent', amount: 'actions.option.amount' };

function localiseField(f: ActionField, t: TFunction): ActionField {
  const key = FIELD_KEYS[f.name];
  const optionLabels = f.options ? Object.fromEntries(f.options.map((o) => [o, OPTION_KEYS[o] ? t(OPTION_KEYS[o]) : o])) : undefined;
  return { ...f, label: key ? t(key) : f.label, optionLabels, item: f.item?.map((x) => localiseField(x, t)) };
}

/** The input of one field; Form.Item injects `id`, `value`/`checked` and `onChange` (passed on). */
function ActionInput({ field, ...control }: { field: ActionField; [prop: string]: unknown }) {
  const { t } = useI18n();
  const p = control as Record<string, never>;
  switch (field.kind) {
    case 'date':
      return <DatePicker {...p} className="ky-fullwidth" format="YYYY-MM-DD" placeholder={t('field.datePlaceholder')} />;
    case 'datetime':
      return <DatePicker {...p} showTime className="ky-fullwidth" />;
    case 'integer':
      return <InputNumber<number> {...p} className="ky-fullwidth" precision={0} />;
    case 'decimal':
      // A text box, not InputNumber: the value travels as an exact decimal string.
      return <Input {...p} inputMode="decimal" placeholder={field.label} />;
    case 'boolean':
      return <Checkbox {...p} />;
    case 'enum':
      return <Select {...p} options={(field.options ?? []).map((o) => ({ value: o, label: field.optionLabels?.[o] ?? o }))} allowClear={!field.required} placeholder={field.label} />;
    case 'long_text':
      return <Input.TextArea {...p} autoSize={{ minRows: 2, maxRows: 6 }} />;
    case 'record':
      return <LookupSelect id={control.id as string | undefined} target={field.target ?? ''} value={(control.value as LookupValue | undefined) ?? null} onChange={(v) => (control.onChange as ((v: LookupValue | null) => void) | undefined)?.(v)} allowClear={!field.required} />;
    default:
      return <Input {...p} />;
  }
}

function rulesFor(field: ActionField, t: ReturnType<typeof useI18n>['t']) {
  const rules: { required?: boolean; message?: string; validator?: (_: unknown, v: unknown) => Promise<void> }[] = [];
  if (field.required && field.kind !== 'boolean') rules.push({ required: true, message: t('actions.required', { field: field.label }) });
  if (field.kind === 'decimal')
    rules.push({
      validator: (_, v) => (v === undefined || v === null || v === '' || isDecimal(String(v)) ? Promise.resolve() : Promise.reject(new Error(t('actions.notNumber')))),
    });
  return rules;
}

function ActionFormFields({ fields, prefix = [] }: { fields: ActionField[]; prefix?: (string | number)[] }) {
  const { t } = useI18n();
  return (
    <>
      {fields.filter((f) => f.kind !== 'request_key').map((f) =>
        f.kind === 'list' ? (
          <Form.Item key={f.name} label={f.label} required={f.required}>
            <Form.List name={[...prefix, f.name]}>
              {(items, { add, remove }) => (
                <div className="ky-action-list">
                  {items.map((item) => (
                    <Space key={item.key} align="start" wrap className="ky-action-list-row">
                      {(f.item ?? []).map((sub) => (
                        <Form.Item key={sub.name} name={[item.name, sub.name]} rules={rulesFor(sub, t)} valuePropName={sub.kind === 'boolean' ? 'checked' : 'value'}>
                          <ActionInput field={sub} aria-label={sub.label} />
                        </Form.Item>
                      ))}
                      <Button onClick={() => remove(item.name)} aria-label={t('common.delete')}>
                        −
                      </Button>
                    </Space>
                  ))}
                  <Button type="dashed" onClick={() => add()} block>
                    {t('actions.addRow')}
                  </Button>
                </div>
              )}
            </Form.List>
          </Form.Item>
        ) : (
          <Form.Item
            key={f.name}
            name={[...prefix, f.name]}
            label={f.label}
            extra={f.description}
            rules={rulesFor(f, t)}
            valuePropName={f.kind === 'boolean' ? 'checked' : 'value'}
          >
            <ActionInput field={f} />
          </Form.Item>
        ),
      )}
    </>
  );
}

/** The form of an action with an input; resolves with the action's answer. */
export function ActionFormModal({
  title,
  fields,
  open,
  onCancel,
  run,
}: {
  title: string;
  fields: ActionField[];
  open: boolean;
  onCancel: () => void;
  run: (body: Record<string, unknown>) => Promise<void>;
}) {
  const { t } = useI18n();
  const [form] = Form.useForm();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const initial = useMemo(() => Object.fromEntries(fields.filter((f) => f.default !== undefined && f.kind !== 'date').map((f) => [f.name, f.default])), [fields]);
  // eslint-disable-next-line react-hooks/exhaustive-deps -- a new key each time the form opens
  const requestKey = useMemo(() => crypto.randomUUID(), [open]);

  const submit = async () => {
    let values: Record<string, unknown>;
    try {
      values = await form.validateFields();
    } catch {
      return;
    }
    setBusy(true);
    setError(null);
    try {
      // An idempotency key made once per opening: a double click or a retry sends once.
      const keys = Object.fromEntries(fields.filter((f) => f.kind === 'request_key').map((f) => [f.name, requestKey]));
      await run({ ...actionBody(fields, values, (v) => dateFromForm(v as Dayjs)), ...keys });
    } catch (e) {
      if (e instanceof ApiError && e.fieldErrors.length) {
        const known = new Set(fields.map((f) => f.name));
        const mine = e.fieldErrors.filter((fe) => known.has((fe.field ?? '').replace(/^body\./, '').split('.')[0]));
        form.setFields(mine.map((fe) => ({ name: (fe.field ?? '').replace(/^body\./, '').split('.')[0], errors: [fe.message] })));
        const others = e.fieldErrors.filter((fe) => !mine.includes(fe));
        if (others.length) setError(others.map((x) => x.message).join('; '));
      } else setError(errorMessage(e, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={open}
      title={title}
      onCancel={onCancel}
      onOk={() => void submit()}
      okText={t('actions.run')}
      cancelText={t('common.cancel')}
      confirmLoading={busy}
      destroyOnHidden
      okButtonProps={{ 'data-testid': 'action-submit' } as ButtonProps}
    >
      <Form form={form} layout="vertical" initialValues={initial} data-testid="action-form" preserve={false}>
        <ActionFormFields fields={fields} />
      </Form>
      {error && (
        <div className="ky-form-error" role="alert" data-testid="action-error">
          {error}
        </div>
      )}
    </Modal>
  );
}

/**
 * The actions the page shows: those meant for the menu (`menu` false: API only), except JSON
 * reads (a GET without a file type, like a lead's conversion matches) and the ones the page
 * shows in its own way (`hidden`).
 */
export function visibleActions(actions: RecordAction[], hidden: string[] = []): RecordAction[] {
  return actions.filter((a) => a.menu !== false && !hidden.includes(a.name) && !(a.method === 'GET' && (!a.media_type || a.media_type.includes('json'))));
}

/** Actions worth a button, in this order (the server lists actions by name). */
const PRIMARY = ['submit', 'create_quote', 'create_contract', 'create_order', 'installments', 'issue', 'request_invoice'];

/** The available primary actions shown as buttons (at most `max`). */
export function primaryActions(actions: RecordAction[], max: number): RecordAction[] {
  return PRIMARY.map((name) => actions.find((a) => a.name === name && a.available))
    .filter((a): a is RecordAction => !!a)
    .slice(0, max);
}

export function RecordActions({ object, id, actions, overrides = {}, hidden, maxButtons = 2, onDone, isObject }: RecordActionsProps) {
  const { t, label } = useI18n();
  const { message } = App.useApp();
  const [formFor, setFormFor] = useState<RecordAction | null>(null);
  const [running, setRunning] = useState<string | null>(null);

  const textOf = useCallback((a: RecordAction) => (typeof a.label === 'string' ? a.label : label(a.label, a.name)), [label]);

  const finish = useCallback(
    (a: RecordAction, answer: unknown) => {
      message.success(t('actions.done', { action: textOf(a) }));
      onDone(answer, returnedRecord(answer, (key) => (isObject(key) ? key : null)));
    },
    [message, t, textOf, onDone, isObject],
  );

  const start = async (a: RecordAction) => {
    if (overrides[a.name]) return overrides[a.name]();
    if (a.method === 'GET') {
      window.open(l2cApi.actionUrl(object, id, a.name), '_blank', 'noopener');
      return;
    }
    if (a.input_schema && actionFields(a.input_schema).length > 0) {
      setFormFor(a);
      return;
    }
    setRunning(a.name);
    try {
      finish(a, await l2cApi.runAction(object, id, a.name));
    } catch (e) {
      message.error(errorMessage(e, t));
    } finally {
      setRunning(null);
    }
  };

  const shown = visibleActions(actions, hidden);
  if (shown.length === 0) return null;
  // The next steps of a deal as buttons; everything else (status steps the server may refuse
  // for the record's status, copies, files) in the menu.
  const buttons = primaryActions(shown, maxButtons);
  const inMenu = shown.filter((a) => !buttons.includes(a));

  return (
    <>
      {buttons.map((a) => (
        <Button key={a.name} icon={<ThunderboltOutlined />} loading={running === a.name} onClick={() => void start(a)} data-testid={`action-${a.name}`}>
          {textOf(a)}
        </Button>
      ))}
      {inMenu.length > 0 && (
        <Dropdown
          trigger={['click']}
          menu={{
            items: inMenu.map((a) => ({
              key: a.name,
              disabled: !a.available,
              label: a.available ? (
                <span data-testid={`action-${a.name}`}>{textOf(a)}</span>
              ) : (
                <Tooltip title={a.reason || t('actions.unavailable')} placement="left">
                  <span data-testid={`action-${a.name}`}>{textOf(a)}</span>
                </Tooltip>
              ),
            })),
            onClick: ({ key }) => {
              const a = inMenu.find((x) => x.name === key);
              if (a?.available) void start(a);
            },
          }}
        >
          <Button data-testid="record-actions">
            {t('actions.title')} <DownOutlined />
          </Button>
        </Dropdown>
      )}
      {formFor && (
        <ActionFormModal
          open
          title={textOf(formFor)}
          fields={actionFields(formFor.input_schema).map((f) => localiseField(f, t))}
          onCancel={() => setFormFor(null)}
          run={async (body) => {
            const answer = await l2cApi.runAction(object, id, formFor.name, body);
            setFormFor(null);
            finish(formFor, answer);
          }}
        />
      )}
    </>
  );
}
