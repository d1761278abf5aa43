import { ArrowDownOutlined, ArrowUpOutlined, DeleteOutlined, MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, App, Button, Col, Drawer, Empty, Form, Input, InputNumber, Radio, Row, Select, Space, Switch, Table, Tag } from 'antd';
import { useCallback, useEffect, useState, type HTMLAttributes } from 'react';
import { ApiError } from '../../api/client';
import type { ApprovalProcess, FieldMeta } from '../../api/types';
import ExpressionInput, { expressionRule } from '../../components/setup/ExpressionInput';
import { labelRule, nameRules } from '../../components/setup/NewObjectModal';
import { ErrorResult, errorMessage } from '../../components/Status';
import { LookupSelect, type LookupValue } from '../../fields/LookupSelect';
import { useI18n } from '../../i18n';
import { isEditable, isSystemField } from '../../lib/fields';
import { fetchTitles } from '../../lib/referenceLabels';
import { useMetadata } from '../../state/metadata';
import { setupApi } from './api';
import {
  APPROVER_TYPES,
  approverIds,
  approverTarget,
  definitionOf,
  mapProcessErrors,
  newStep,
  processFromForm,
  type OutcomeRow,
  processToForm,
  suggestProcessName,
  type ProcessForm,
} from './approvalProcesses';

/**
 * Setup › Approval processes (审批流程): per object, which records enter (an entry condition),
 * the ordered steps with their approvers, all-must-approve (会签) or any-one (或签), a step
 * condition and a reminder, the field updates on approval and on rejection, and whether the
 * record is locked meanwhile. The server checks everything at save; its errors show beside the
 * inputs they concern.
 */
export default function ApprovalProcessesPage() {
  const { t, label } = useI18n();
  const { message, modal } = App.useApp();
  const { getObject } = useMetadata();
  const [processes, setProcesses] = useState<ApprovalProcess[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState<ApprovalProcess | null>(null);
  const [open, setOpen] = useState(false);

  const load = useCallback(() => {
    setError(null);
    setupApi
      .approvalProcesses()
      .then((r) => setProcesses(r.processes))
      .catch(setError);
  }, []);
  useEffect(load, [load]);

  const replace = (saved: ApprovalProcess) => setProcesses((list) => (list ?? []).map((p) => (p.id === saved.id ? saved : p)));

  const toggle = async (p: ApprovalProcess, active: boolean) => {
    try {
      replace(await setupApi.updateApprovalProcess(p.id, p.version, { ...definitionOf(p), active }));
      message.success(active ? t('setup.approvals.enabledDone') : t('setup.approvals.disabledDone'));
    } catch (e) {
      message.error(errorMessage(e, t));
    }
  };

  const remove = (p: ApprovalProcess) =>
    modal.confirm({
      title: t('setup.approvals.deleteConfirm', { name: label(p.labels, p.name) }),
      content: t('setup.approvals.deleteHelp'),
      okType: 'danger',
      okText: t('common.delete'),
      cancelText: t('common.cancel'),
      okButtonProps: { 'data-testid': 'confirm-delete-process' } as never,
      onOk: async () => {
        try {
          await setupApi.deleteApprovalProcess(p.id);
          setProcesses((list) => (list ?? []).filter((x) => x.id !== p.id));
          message.success(t('setup.approvals.deleted'));
        } catch (e) {
          message.error(errorMessage(e, t));
          throw e;
        }
      },
    });

  const objectLabel = (name: string) => {
    const o = getObject(name);
    return o ? label(o.labels, name) : name;
  };

  return (
    <div className="ky-setup-panel" data-testid="approval-processes-page">
      <div className="ky-setup-toolbar">
        <h2>{t('setup.approvals.title')}</h2>
        <Button
          type="primary"
          icon={<PlusOutlined />}
          data-testid="process-new"
          onClick={() => {
            setEditing(null);
            setOpen(true);
          }}
        >
          {t('setup.approvals.new')}
        </Button>
      </div>
      <p className="ky-page-sub">{t('setup.approvals.help')}</p>
      {error ? (
        <ErrorResult error={error} onRetry={load} />
      ) : (
        <Table<ApprovalProcess>
          rowKey="id"
          size="small"
          loading={processes === null}
          dataSource={processes ?? []}
          pagination={false}
          locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('setup.approvals.empty')} /> }}
          onRow={(p) => ({ 'data-testid': `process-row-${p.name}` }) as HTMLAttributes<HTMLElement>}
          columns={[
            { title: t('setup.approvals.object'), key: 'object', width: 160, render: (_, p) => objectLabel(p.object) },
            {
              title: t('setup.approvals.name'),
              key: 'name',
              render: (_, p) => (
                <div>
                  <div>{label(p.labels, p.name)}</div>
                  <span className="ky-setup-mono">{p.name}</span>
                </div>
              ),
            },
            {
              title: t('setup.approvals.steps'),
              key: 'steps',
              width: 200,
              render: (_, p) => (
                <Space size={[4, 4]} wrap>
                  <span>{t('setup.approvals.stepCount', { count: p.steps.length })}</span>
                  {p.lock_record !== false && <Tag bordered={false}>{t('setup.approvals.locks')}</Tag>}
                </Space>
              ),
            },
            {
              title: t('setup.approvals.active'),
              key: 'active',
              width: 80,
              render: (_, p) => <Switch size="small" checked={p.active !== false} data-testid={`process-active-${p.name}`} onChange={(on) => void toggle(p, on)} />,
            },
            {
              key: 'actions',
              align: 'right',
              width: 130,
              render: (_, p) => (
                <Space size={4}>
                  <Button
                    size="small"
                    data-testid={`process-edit-${p.name}`}
                    onClick={() => {
                      setEditing(p);
                      setOpen(true);
                    }}
                  >
                    {t('common.edit')}
                  </Button>
                  <Button size="small" danger icon={<DeleteOutlined />} aria-label={t('common.delete')} data-testid={`process-delete-${p.name}`} onClick={() => remove(p)} />
                </Space>
              ),
            },
          ]}
        />
      )}
      <ProcessDrawer
        process={editing}
        taken={(processes ?? []).filter((p) => p.id !== editing?.id).map((p) => p.name)}
        open={open}
        onClose={() => setOpen(false)}
        onSaved={(saved, created) => {
          setOpen(false);
          if (created) setProcesses((list) => [...(list ?? []), saved]);
          else replace(saved);
          message.success(created ? t('setup.approvals.created') : t('setup.approvals.saved'));
        }}
      />
    </div>
  );
}

interface DrawerProps {
  process: ApprovalProcess | null;
  /** Names of the other processes (a new one's suggested name avoids them). */
  taken: string[];
  open: boolean;
  onClose: () => void;
  onSaved: (saved: ApprovalProcess, created: boolean) => void;
}

/** Create or edit one process. */
export function ProcessDrawer({ process, taken, open, onClose, onSaved }: DrawerProps) {
  const { t, label } = useI18n();
  const { objects, getObject } = useMetadata();
  const [form] = Form.useForm<ProcessForm>();
  const [saving, setSaving] = useState(false);
  const [general, setGeneral] = useState<string[]>([]);
  const [nameTouched, setNameTouched] = useState(false);
  const objectName = Form.useWatch('object', form) as string | null | undefined;
  const obj = objectName ? getObject(objectName) : undefined;
  const fields: FieldMeta[] = (obj?.fields ?? []).filter((f) => !isSystemField(f));
  const writable = fields.filter((f) => isEditable(f, 'edit'));
  // The fields the outcome rows set: a picklist's values are offered in its formula's picker.
  const outcomeRows: Record<'on_approve' | 'on_reject', OutcomeRow[] | undefined> = { on_approve: Form.useWatch('on_approve', form), on_reject: Form.useWatch('on_reject', form) };

  useEffect(() => {
    if (!open) return;
    setGeneral([]);
    setNameTouched(!!process);
    form.resetFields();
    form.setFieldsValue(processToForm(process));
    if (!process) return;
    // The pickers show names, not ids: ask for the named users', roles' and teams' titles.
    const ctrl = new AbortController();
    const wanted = approverIds(process);
    if (wanted.size === 0) return;
    fetchTitles(wanted, getObject, ctrl.signal)
      .then((titles) => {
        if (!ctrl.signal.aborted) form.setFieldsValue({ steps: processToForm(process, titles).steps });
      })
      .catch(() => undefined);
    return () => ctrl.abort();
  }, [open, process, form, getObject]);

  const save = async () => {
    let values: ProcessForm;
    try {
      values = await form.validateFields();
    } catch {
      return;
    }
    setSaving(true);
    setGeneral([]);
    try {
      const body = processFromForm(values);
      const saved = process ? await setupApi.updateApprovalProcess(process.id, process.version, body) : await setupApi.createApprovalProcess(body);
      onSaved(saved, !process);
    } catch (e) {
      if (e instanceof ApiError && e.fieldErrors.length) {
        const mapped = mapProcessErrors(e.fieldErrors, form.getFieldsValue(true) as ProcessForm);
        form.setFields(mapped.fields.map((f) => ({ name: f.name as never, errors: f.errors })));
        setGeneral(mapped.general.length ? mapped.general : [t('setup.fixErrors')]);
      } else setGeneral([errorMessage(e, t)]);
    } finally {
      setSaving(false);
    }
  };

  const picklistOf = (name: string | null | undefined) => {
    const f = name ? writable.find((x) => x.name === name) : undefined;
    return f?.type === 'picklist' ? f : undefined;
  };
  const fieldOptions = writable.map((f) => ({ value: f.name, label: `${label(f.labels, f.name)} (${f.name})` }));

  const outcome = (name: 'on_approve' | 'on_reject', title: string) => (
    <Form.List name={name}>
      {(rows, { add, remove }) => (
        <div className="ky-process-outcome" data-testid={`process-${name}`}>
          <div className="ky-section-title">{title}</div>
          {rows.map((row) => (
            <Row key={row.key} gutter={8} align="top">
              <Col span={9}>
                <Form.Item name={[row.name, 'field']} rules={[{ required: true, message: t('setup.approvals.fieldRequired') }]}>
                  <Select showSearch optionFilterProp="label" placeholder={t('setup.approvals.field')} options={fieldOptions} data-testid={`${name}-field-${row.name}`} />
                </Form.Item>
              </Col>
              <Col span={13}>
                <Form.Item name={[row.name, 'expression']} rules={[expressionRule(t, true, t('setup.approvals.expressionRequired'))]}>
                  <ExpressionInput
                    object={obj}
                    picklist={picklistOf(outcomeRows[name]?.[row.name]?.field)}
                    placeholder={t('setup.approvals.expressionPlaceholder')}
                    testId={`${name}-expression-${row.name}`}
                  />
                </Form.Item>
              </Col>
              <Col span={2}>
                <Button type="text" icon={<MinusCircleOutlined />} aria-label={t('common.delete')} onClick={() => remove(row.name)} />
              </Col>
            </Row>
          ))}
          <Button size="small" icon={<PlusOutlined />} onClick={() => add({ field: null, expression: '' })} data-testid={`${name}-add`}>
            {t('setup.approvals.addUpdate')}
          </Button>
        </div>
      )}
    </Form.List>
  );

  return (
    <Drawer
      open={open}
      width={880}
      title={process ? t('setup.approvals.edit', { name: label(process.labels, process.name) }) : t('setup.approvals.new')}
      onClose={onClose}
      destroyOnHidden
      extra={
        <Space>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button type="primary" loading={saving} onClick={() => void save()} data-testid="process-save">
            {t('common.save')}
          </Button>
        </Space>
      }
    >
      {general.length > 0 && <Alert type="error" showIcon style={{ marginBottom: 12 }} message={general.map((g, i) => <div key={i}>{g}</div>)} data-testid="process-errors" />}
      <Form
        form={form}
        layout="vertical"
        onValuesChange={(changed: Partial<ProcessForm>) => {
          if ('name' in changed) setNameTouched(true);
          if ('label_en' in changed && !nameTouched) form.setFieldsValue({ name: suggestProcessName(changed.label_en ?? '', taken) });
        }}
      >
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="label_en" label={t('setup.approvals.labelEn')} dependencies={['label_zh']} rules={[labelRule(t)]}>
              <Input maxLength={200} data-testid="process-label-en" />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="label_zh" label={t('setup.approvals.labelZh')}>
              <Input maxLength={200} data-testid="process-label-zh" />
            </Form.Item>
          </Col>
        </Row>
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="object" label={t('setup.approvals.object')} rules={[{ required: true, message: t('setup.approvals.objectRequired') }]}>
              <Select
                showSearch
                optionFilterProp="label"
                options={objects.map((o) => ({ value: o.name, label: label(o.labels, o.name) }))}
                data-testid="process-object"
              />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="name" label={t('setup.apiName')} rules={nameRules(t)}>
              <Input className="ky-setup-mono" maxLength={48} data-testid="process-name" />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="description" label={t('setup.approvals.description')}>
          <Input.TextArea autoSize={{ minRows: 1, maxRows: 4 }} maxLength={2000} />
        </Form.Item>
        <Form.Item name="entry_condition" label={t('setup.approvals.entryCondition')} extra={t('setup.approvals.entryConditionHelp')} rules={[expressionRule(t, false)]}>
          <ExpressionInput object={obj} placeholder="amount >= 100000" testId="process-entry-condition" />
        </Form.Item>
        <Row gutter={12}>
          <Col span={8}>
            <Form.Item name="active" label={t('setup.approvals.active')} valuePropName="checked">
              <Switch />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="lock_record" label={t('setup.approvals.lockRecord')} valuePropName="checked" extra={t('setup.approvals.lockRecordHelp')}>
              <Switch data-testid="process-lock" />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="position" label={t('setup.approvals.position')} extra={t('setup.approvals.positionHelp')}>
              <InputNumber min={0} max={1000} precision={0} />
            </Form.Item>
          </Col>
        </Row>

        <div className="ky-section-title">{t('setup.approvals.steps')}</div>
        <Form.List name="steps">
          {(steps, { add, remove, move }) => (
            <div data-testid="process-steps">
              {steps.map((step, index) => (
                <div key={step.key} className="ky-process-step" data-testid={`process-step-${index}`}>
                  <div className="ky-process-step-head">
                    <strong>{t('approvals.stepN', { n: index + 1 })}</strong>
                    <Space size={2}>
                      <Button size="small" type="text" icon={<ArrowUpOutlined />} disabled={index === 0} aria-label={t('setup.approvals.moveUp')} onClick={() => move(index, index - 1)} />
                      <Button size="small" type="text" icon={<ArrowDownOutlined />} disabled={index === steps.length - 1} aria-label={t('setup.approvals.moveDown')} onClick={() => move(index, index + 1)} />
                      <Button size="small" type="text" danger icon={<DeleteOutlined />} disabled={steps.length === 1} aria-label={t('setup.approvals.removeStep')} onClick={() => remove(step.name)} />
                    </Space>
                  </div>
                  <Row gutter={12}>
                    <Col span={8}>
                      <Form.Item name={[step.name, 'label_en']} label={t('setup.approvals.stepLabelEn')} dependencies={[['steps', step.name, 'label_zh']]}
                        rules={[
                          ({ getFieldValue }) => ({
                            validator: (_, v: unknown) =>
                              (typeof v === 'string' && v.trim()) || String(getFieldValue(['steps', step.name, 'label_zh']) ?? '').trim() ? Promise.resolve() : Promise.reject(new Error(t('setup.labelRequired'))),
                          }),
                        ]}
                      >
                        <Input maxLength={200} data-testid={`step-${index}-label-en`} />
                      </Form.Item>
                    </Col>
                    <Col span={8}>
                      <Form.Item name={[step.name, 'label_zh']} label={t('setup.approvals.stepLabelZh')}>
                        <Input maxLength={200} data-testid={`step-${index}-label-zh`} />
                      </Form.Item>
                    </Col>
                    <Col span={8}>
                      <Form.Item name={[step.name, 'mode']} label={t('setup.approvals.mode')}>
                        <Radio.Group optionType="button" size="small" options={[{ value: 'all', label: t('approvals.modeAll') }, { value: 'any', label: t('approvals.modeAny') }]} />
                      </Form.Item>
                    </Col>
                  </Row>
                  <Row gutter={12}>
                    <Col span={16}>
                      <Form.Item name={[step.name, 'condition']} label={t('setup.approvals.stepCondition')} extra={t('setup.approvals.stepConditionHelp')} rules={[expressionRule(t, false)]}>
                        <ExpressionInput object={obj} testId={`step-${index}-condition`} />
                      </Form.Item>
                    </Col>
                    <Col span={8}>
                      <Form.Item name={[step.name, 'reminder_hours']} label={t('setup.approvals.reminderHours')} extra={t('setup.approvals.reminderHelp')}>
                        <InputNumber min={0.5} max={720} step={1} style={{ width: '100%' }} data-testid={`step-${index}-reminder`} />
                      </Form.Item>
                    </Col>
                  </Row>
                  <div className="ky-process-approvers-title">{t('setup.approvals.approvers')}</div>
                  <Form.List name={[step.name, 'approvers']}>
                    {(approvers, ops) => (
                      <>
                        {approvers.map((a, j) => (
                          <Row key={a.key} gutter={8} align="top" data-testid={`step-${index}-approver-${j}`}>
                            <Col span={8}>
                              <Form.Item name={[a.name, 'type']}>
                                <Select options={APPROVER_TYPES.map((type) => ({ value: type, label: t(`setup.approvals.approver.${type}`) }))} data-testid={`step-${index}-approver-${j}-type`} />
                              </Form.Item>
                            </Col>
                            <Col span={14}>
                              <Form.Item noStyle shouldUpdate>
                                {() => {
                                  const type = form.getFieldValue(['steps', step.name, 'approvers', a.name, 'type']);
                                  const target = approverTarget(type);
                                  if (target)
                                    return (
                                      <Form.Item name={[a.name, 'ref']} rules={[{ required: true, message: t('setup.approvals.approverRequired') }]}>
                                        <RefPicker target={target} testId={`step-${index}-approver-${j}-ref`} />
                                      </Form.Item>
                                    );
                                  if (type === 'manager')
                                    return (
                                      <Form.Item name={[a.name, 'levels']}>
                                        <InputNumber min={1} max={5} precision={0} prefix={t('setup.approvals.levels')} style={{ width: 160 }} />
                                      </Form.Item>
                                    );
                                  return <div className="ky-page-sub ky-process-approver-note">{t('setup.approvals.departmentHeadHelp')}</div>;
                                }}
                              </Form.Item>
                            </Col>
                            <Col span={2}>
                              <Button type="text" icon={<MinusCircleOutlined />} disabled={approvers.length === 1} aria-label={t('common.delete')} onClick={() => ops.remove(a.name)} />
                            </Col>
                          </Row>
                        ))}
                        <Button size="small" icon={<PlusOutlined />} onClick={() => ops.add({ type: 'user', ref: null, levels: 1 })} data-testid={`step-${index}-add-approver`}>
                          {t('setup.approvals.addApprover')}
                        </Button>
                      </>
                    )}
                  </Form.List>
                </div>
              ))}
              <Button icon={<PlusOutlined />} onClick={() => add(newStep())} disabled={steps.length >= 10} data-testid="process-add-step">
                {t('setup.approvals.addStep')}
              </Button>
            </div>
          )}
        </Form.List>

        {outcome('on_approve', t('setup.approvals.onApprove'))}
        {outcome('on_reject', t('setup.approvals.onReject'))}
      </Form>
    </Drawer>
  );
}

/** A user, role or team picker as a form control. */
function RefPicker({ target, value, onChange, id, testId }: { target: string; value?: LookupValue | null; onChange?: (v: LookupValue | null) => void; id?: string; testId?: string }) {
  return (
    <div data-testid={testId}>
      <LookupSelect id={id} target={target} value={value ?? null} onChange={(v) => onChange?.(v)} allowClear />
    </div>
  );
}
