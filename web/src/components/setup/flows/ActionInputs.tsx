import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, Button, Col, Form, Input, Row, Select, Tag, type FormInstance } from 'antd';
import type { ObjectMeta } from '../../../api/types';
import { useI18n } from '../../../i18n';
import type { RobotChannel, WebhookSubscription } from '../../../pages/setup/api';
import {
  ASSIGN_STRATEGIES,
  emailFields,
  hasOwner,
  isEmailAddress,
  MAX_RECIPIENTS,
  MAX_TO_ADDRESSES,
  MAX_TO_FIELDS,
  MERGE_FIELDS,
  NO_RECORD_RECIPIENTS,
  RECIPIENT_TYPES,
  userFields,
  type ActionForm,
  type ActionInput,
  type FlowForm,
  type RecipientForm,
} from '../../../pages/setup/flows';
import RecordIdSelect from './RecordIdSelect';
import TemplateInput from './TemplateInput';

interface Props {
  form: FormInstance<FlowForm>;
  /** The action's name in the form's actions list. */
  name: number;
  /** Its test id prefix ("flow-action-0"). */
  test: string;
  trigger: ObjectMeta | undefined;
  /** The flow runs with no record (a schedule without an object): recipients through one are greyed. */
  noRecord?: boolean;
}

type T = ReturnType<typeof useI18n>['t'];

/** A rule for one language's input of a template that must be written in at least one language. */
function eitherLanguage(form: FormInstance<FlowForm>, name: number, other: ActionInput, message: string) {
  return {
    validator(_: unknown, value: unknown) {
      const theirs = form.getFieldValue(['actions', name, other]);
      if ((typeof value === 'string' && value.trim()) || (typeof theirs === 'string' && theirs.trim())) return Promise.resolve();
      return Promise.reject(new Error(message));
    },
  };
}

/** The merge fields a template can name, as a hint under its inputs (`intro`: in whose language). */
function MergeHelp({ test, t, intro = 'setup.flows.templateHelp' }: { test: string; t: T; intro?: 'setup.flows.templateHelp' | 'setup.flows.robotTemplateHelp' }) {
  return (
    <div className="ky-flow-help" data-testid={`${test}-merge-help`}>
      {t(intro)}{' '}
      {MERGE_FIELDS.map((m) => (
        <code key={m} className="ky-setup-mono ky-flow-merge">
          {m}
        </code>
      ))}{' '}
      {t('setup.flows.templateHelpMore')}
    </div>
  );
}

/** A warning when the trigger object's records have no owner to assign or to notify. */
function NotOwned({ trigger }: { trigger: ObjectMeta | undefined }) {
  const { t, label } = useI18n();
  if (!trigger || hasOwner(trigger)) return null;
  return <Alert type="warning" showIcon style={{ marginBottom: 12 }} message={t('setup.flows.notOwned', { object: label(trigger.labels, trigger.name) })} />;
}

/** assign_owner: a named user, or a team whose members take records in turn or by load. */
export function AssignOwnerInputs({ form, name, test, trigger }: Props) {
  const { t } = useI18n();
  const strategy = (Form.useWatch(['actions', name, 'strategy'], form) as ActionForm['strategy']) ?? 'user';
  return (
    <>
      <NotOwned trigger={trigger} />
      <Row gutter={12}>
        <Col xs={24} sm={12}>
          <Form.Item name={[name, 'strategy']} label={t('setup.flows.strategy')} extra={t(`setup.flows.strategyHelp.${strategy}`)}>
            <Select options={ASSIGN_STRATEGIES.map((s) => ({ value: s, label: t(`setup.flows.strategy.${s}`) }))} data-testid={`${test}-strategy`} />
          </Form.Item>
        </Col>
        <Col xs={24} sm={12}>
          {strategy === 'user' ? (
            <Form.Item name={[name, 'user_id']} label={t('setup.flows.user')} rules={[{ required: true, message: t('setup.flows.userRequired') }]}>
              <RecordIdSelect target="user" testId={`${test}-user`} />
            </Form.Item>
          ) : (
            <Form.Item name={[name, 'team_id']} label={t('setup.flows.team')} rules={[{ required: true, message: t('setup.flows.teamRequired') }]}>
              <RecordIdSelect target="team" testId={`${test}-team`} />
            </Form.Item>
          )}
        </Col>
      </Row>
    </>
  );
}

/**
 * The recipient rows of a notification or an email: the owner, the owner's manager, a user,
 * the user in a field, everyone with a role (without a record only users and roles). `min` rows
 * stay (a notification needs one; an email may go only to addresses).
 */
function RecipientRows({ form, name, test, trigger, noRecord, min }: Props & { min: number }) {
  const { t, label } = useI18n();
  const recipients = (Form.useWatch(['actions', name, 'recipients'], form) as RecipientForm[] | undefined) ?? [];
  const people = userFields(trigger);
  return (
    <Form.List name={[name, 'recipients']}>
      {(items, { add, remove }) => (
        <>
          {items.map((item, r) => {
            const type = recipients[r]?.type;
            const rt = `${test}-recipient-${r}`;
            return (
              <div className="ky-flow-valuerow" key={item.key} data-testid={rt}>
                <Form.Item name={[item.name, 'type']} rules={[{ required: true, message: t('setup.flows.recipients') }]}>
                  <Select
                    aria-label={t('setup.flows.recipientN', { n: r + 1 })}
                    options={RECIPIENT_TYPES.map((v) => ({ value: v, label: t(`setup.flows.recipient.${v}`), disabled: noRecord && !NO_RECORD_RECIPIENTS.includes(v) }))}
                    data-testid={`${rt}-type`}
                  />
                </Form.Item>
                {type === 'user' ? (
                  <Form.Item name={[item.name, 'user_id']} rules={[{ required: true, message: t('setup.flows.userRequired') }]}>
                    <RecordIdSelect target="user" placeholder={t('setup.flows.user')} testId={`${rt}-user`} />
                  </Form.Item>
                ) : type === 'role' ? (
                  <Form.Item name={[item.name, 'role_id']} rules={[{ required: true, message: t('setup.flows.roleRequired') }]}>
                    <RecordIdSelect target="role" placeholder={t('setup.flows.role')} testId={`${rt}-role`} />
                  </Form.Item>
                ) : type === 'field' ? (
                  <Form.Item
                    name={[item.name, 'field']}
                    rules={[{ required: true, message: t('setup.flows.userFieldRequired') }]}
                    extra={trigger && !people.length ? t('setup.flows.noUserFields', { object: label(trigger.labels, trigger.name) }) : undefined}
                  >
                    <Select
                      placeholder={t('setup.flows.userField')}
                      options={people.map((f) => ({ value: f.name, label: `${label(f.labels, f.name)} (${f.name})` }))}
                      data-testid={`${rt}-field`}
                    />
                  </Form.Item>
                ) : (
                  // The owner and their manager need nothing more: an empty cell keeps the grid.
                  <div />
                )}
                <Button
                  type="text"
                  icon={<DeleteOutlined />}
                  disabled={items.length <= min}
                  onClick={() => remove(r)}
                  aria-label={t('setup.flows.removeRecipient')}
                  data-testid={`${rt}-remove`}
                />
              </div>
            );
          })}
          <Button
            type="dashed"
            size="small"
            icon={<PlusOutlined />}
            onClick={() => add({ type: noRecord || min === 0 ? 'user' : 'owner' })}
            disabled={items.length >= MAX_RECIPIENTS}
            data-testid={`${test}-add-recipient`}
            style={{ marginBottom: 8 }}
          >
            {t(min === 0 ? 'setup.flows.addUserRecipient' : 'setup.flows.addRecipient')}
          </Button>
        </>
      )}
    </Form.List>
  );
}

/**
 * notify: who gets it (the owner, the owner's manager, a user, the user in a field, everyone
 * with a role), and its title and optional body per language, as templates with merge fields.
 */
export function NotifyInputs(props: Props) {
  const { form, name, test, trigger } = props;
  const { t } = useI18n();
  const recipients = (Form.useWatch(['actions', name, 'recipients'], form) as RecipientForm[] | undefined) ?? [];
  return (
    <>
      <NotOwned trigger={recipients.some((r) => r?.type === 'owner' || r?.type === 'owner_manager') ? trigger : undefined} />
      <div className="ky-flow-rowhead-single">{t('setup.flows.recipients')}</div>
      <RecipientRows {...props} min={1} />
      <div className="ky-flow-help" style={{ marginBottom: 12 }}>
        {t('setup.flows.recipientsHelp')}
      </div>
      <Row gutter={12}>
        <Col xs={24} sm={12}>
          <Form.Item
            name={[name, 'title_en']}
            label={t('setup.flows.title_en')}
            dependencies={[['actions', name, 'title_zh']]}
            rules={[eitherLanguage(form, name, 'title_zh', t('setup.flows.titleRequired'))]}
          >
            <TemplateInput object={trigger} placeholder="{{ record.name }} was won" testId={`${test}-title-en`} />
          </Form.Item>
        </Col>
        <Col xs={24} sm={12}>
          <Form.Item
            name={[name, 'title_zh']}
            label={t('setup.flows.title_zh')}
            dependencies={[['actions', name, 'title_en']]}
            rules={[eitherLanguage(form, name, 'title_en', t('setup.flows.titleRequired'))]}
          >
            <TemplateInput object={trigger} placeholder="{{ record.name }} 已赢单" testId={`${test}-title-zh`} />
          </Form.Item>
        </Col>
        <Col xs={24} sm={12}>
          <Form.Item name={[name, 'body_en']} label={t('setup.flows.body_en')}>
            <TemplateInput object={trigger} multiline testId={`${test}-body-en`} />
          </Form.Item>
        </Col>
        <Col xs={24} sm={12}>
          <Form.Item name={[name, 'body_zh']} label={t('setup.flows.body_zh')}>
            <TemplateInput object={trigger} multiline testId={`${test}-body-zh`} />
          </Form.Item>
        </Col>
      </Row>
      <MergeHelp test={test} t={t} />
    </>
  );
}

/**
 * send_email: to the record's email fields, fixed addresses and/or users (recipient rows as a
 * notification's), with subject and text — and optional HTML — per language, as templates.
 */
export function SendEmailInputs(props: Props) {
  const { form, name, test, trigger, noRecord } = props;
  const { t, label } = useI18n();
  const emails = emailFields(trigger);
  const addressRule = {
    validator(_: unknown, value: unknown) {
      const list = Array.isArray(value) ? (value as string[]) : [];
      const bad = list.find((a) => !isEmailAddress(a));
      if (bad !== undefined) return Promise.reject(new Error(t('setup.flows.invalidAddress', { address: bad })));
      if (list.length > MAX_TO_ADDRESSES) return Promise.reject(new Error(t('setup.flows.tooManyAddresses', { n: MAX_TO_ADDRESSES })));
      return Promise.resolve();
    },
  };
  return (
    <>
      <div className="ky-flow-rowhead-single">{t('setup.flows.emailTo')}</div>
      <Row gutter={12}>
        {!noRecord && (
          <Col xs={24} sm={12}>
            <Form.Item
              name={[name, 'to_fields']}
              label={t('setup.flows.toFields')}
              extra={trigger && !emails.length ? t('setup.flows.noEmailFields', { object: label(trigger.labels, trigger.name) }) : undefined}
            >
              <Select
                mode="multiple"
                allowClear
                maxCount={MAX_TO_FIELDS}
                placeholder={t('setup.flows.toFieldsPlaceholder')}
                options={emails.map((f) => ({ value: f.name, label: `${label(f.labels, f.name)} (${f.name})` }))}
                data-testid={`${test}-to-fields`}
              />
            </Form.Item>
          </Col>
        )}
        <Col xs={24} sm={noRecord ? 24 : 12}>
          <Form.Item name={[name, 'to_addresses']} label={t('setup.flows.toAddresses')} rules={[addressRule]}>
            <Select mode="tags" open={false} suffixIcon={null} tokenSeparators={[',', ';', ' ']} placeholder={t('setup.flows.toAddressesPlaceholder')} data-testid={`${test}-to-addresses`} />
          </Form.Item>
        </Col>
      </Row>
      <div className="ky-flow-rowhead-single">{t('setup.flows.toUsers')}</div>
      <RecipientRows {...props} min={0} />
      <div className="ky-flow-help" style={{ marginBottom: 12 }}>
        {t('setup.flows.emailToHelp')}
      </div>
      <Row gutter={12}>
        <Col xs={24} sm={12}>
          <Form.Item
            name={[name, 'subject_en']}
            label={t('setup.flows.subject_en')}
            dependencies={[['actions', name, 'subject_zh']]}
            rules={[eitherLanguage(form, name, 'subject_zh', t('setup.flows.subjectRequired'))]}
          >
            <TemplateInput object={trigger} placeholder="Welcome, {{ record.name }}" testId={`${test}-subject-en`} />
          </Form.Item>
        </Col>
        <Col xs={24} sm={12}>
          <Form.Item
            name={[name, 'subject_zh']}
            label={t('setup.flows.subject_zh')}
            dependencies={[['actions', name, 'subject_en']]}
            rules={[eitherLanguage(form, name, 'subject_en', t('setup.flows.subjectRequired'))]}
          >
            <TemplateInput object={trigger} placeholder="欢迎，{{ record.name }}" testId={`${test}-subject-zh`} />
          </Form.Item>
        </Col>
        <Col xs={24} sm={12}>
          <Form.Item name={[name, 'text_en']} label={t('setup.flows.text_en')} dependencies={[['actions', name, 'text_zh']]} rules={[eitherLanguage(form, name, 'text_zh', t('setup.flows.textRequired'))]}>
            <TemplateInput object={trigger} multiline testId={`${test}-text-en`} />
          </Form.Item>
        </Col>
        <Col xs={24} sm={12}>
          <Form.Item name={[name, 'text_zh']} label={t('setup.flows.text_zh')} dependencies={[['actions', name, 'text_en']]} rules={[eitherLanguage(form, name, 'text_en', t('setup.flows.textRequired'))]}>
            <TemplateInput object={trigger} multiline testId={`${test}-text-zh`} />
          </Form.Item>
        </Col>
        <Col xs={24} sm={12}>
          <Form.Item name={[name, 'html_en']} label={t('setup.flows.html_en')}>
            <TemplateInput object={trigger} multiline testId={`${test}-html-en`} />
          </Form.Item>
        </Col>
        <Col xs={24} sm={12}>
          <Form.Item name={[name, 'html_zh']} label={t('setup.flows.html_zh')}>
            <TemplateInput object={trigger} multiline testId={`${test}-html-zh`} />
          </Form.Item>
        </Col>
      </Row>
      <MergeHelp test={test} t={t} />
    </>
  );
}

/** call_webhook: one of the company's webhook subscriptions, shown by its URL and description. */
export function CallWebhookInputs({ name, test, webhooks, flowName }: Props & { webhooks: WebhookSubscription[] | null; flowName: string | undefined }) {
  const { t } = useI18n();
  const options = (webhooks ?? []).map((w) => ({
    value: w.id,
    // The URL to search by; the description (and "off") to tell them apart.
    label: `${w.url}${w.description ? ` — ${w.description}` : ''}`,
    title: w.url,
    active: w.active,
    url: w.url,
    description: w.description,
  }));
  return (
    <Form.Item
      name={[name, 'webhook_id']}
      label={t('setup.flows.webhook')}
      rules={[{ required: true, message: t('setup.flows.webhookRequired') }]}
      extra={webhooks && !webhooks.length ? t('setup.flows.noWebhooks') : t('setup.flows.webhookHelp', { name: flowName || '…' })}
    >
      <Select
        showSearch
        loading={webhooks === null}
        optionFilterProp="label"
        placeholder={t('setup.flows.webhookPlaceholder')}
        options={options}
        optionRender={(o) => (
          <div>
            <span className="ky-setup-mono">{o.data.url}</span>
            {!o.data.active && <Tag style={{ marginLeft: 6 }}>{t('setup.flows.webhookOff')}</Tag>}
            {o.data.description && <div className="ky-flow-help">{o.data.description}</div>}
          </div>
        )}
        data-testid={`${test}-webhook`}
      />
    </Form.Item>
  );
}

/**
 * post_to_robot: one of the company's robot channels (by name, vendor and address hint; those
 * switched off greyed: the server refuses them), and the message's title and text per language.
 */
export function PostToRobotInputs({ form, name, test, trigger, channels }: Props & { channels: RobotChannel[] | null }) {
  const { t } = useI18n();
  const options = (channels ?? []).map((c) => ({
    value: c.id,
    label: c.name,
    disabled: !c.active,
    channel: c,
  }));
  return (
    <>
      <Form.Item
        name={[name, 'channel_id']}
        label={t('setup.flows.robot')}
        rules={[{ required: true, message: t('setup.flows.robotRequired') }]}
        extra={channels && !channels.length ? t('setup.flows.noRobots') : t('setup.flows.robotHelp')}
      >
        <Select
          showSearch
          loading={channels === null}
          optionFilterProp="label"
          placeholder={t('setup.flows.robotPlaceholder')}
          options={options}
          optionRender={(o) => (
            <div>
              <span>{o.data.channel.name}</span>
              <Tag style={{ marginLeft: 6 }}>{t(`setup.robots.vendor.${o.data.channel.vendor}`)}</Tag>
              {!o.data.channel.active && <Tag>{t('setup.flows.robotOff')}</Tag>}
              <div className="ky-flow-help ky-setup-mono">{o.data.channel.url_hint}</div>
            </div>
          )}
          data-testid={`${test}-robot`}
        />
      </Form.Item>
      <Row gutter={12}>
        <Col xs={24} sm={12}>
          <Form.Item
            name={[name, 'title_en']}
            label={t('setup.flows.title_en')}
            dependencies={[['actions', name, 'title_zh']]}
            rules={[eitherLanguage(form, name, 'title_zh', t('setup.flows.titleRequired'))]}
          >
            <TemplateInput object={trigger} placeholder="{{ record.name }} was won" testId={`${test}-title-en`} />
          </Form.Item>
        </Col>
        <Col xs={24} sm={12}>
          <Form.Item
            name={[name, 'title_zh']}
            label={t('setup.flows.title_zh')}
            dependencies={[['actions', name, 'title_en']]}
            rules={[eitherLanguage(form, name, 'title_en', t('setup.flows.titleRequired'))]}
          >
            <TemplateInput object={trigger} placeholder="商机“{{ record.name }}”已赢单" testId={`${test}-title-zh`} />
          </Form.Item>
        </Col>
        <Col xs={24} sm={12}>
          <Form.Item name={[name, 'text_en']} label={t('setup.flows.text_en')} dependencies={[['actions', name, 'text_zh']]} rules={[eitherLanguage(form, name, 'text_zh', t('setup.flows.textRequired'))]}>
            <TemplateInput object={trigger} multiline testId={`${test}-text-en`} />
          </Form.Item>
        </Col>
        <Col xs={24} sm={12}>
          <Form.Item name={[name, 'text_zh']} label={t('setup.flows.text_zh')} dependencies={[['actions', name, 'text_en']]} rules={[eitherLanguage(form, name, 'text_en', t('setup.flows.textRequired'))]}>
            <TemplateInput object={trigger} multiline testId={`${test}-text-zh`} />
          </Form.Item>
        </Col>
      </Row>
      <MergeHelp test={test} t={t} intro="setup.flows.robotTemplateHelp" />
    </>
  );
}

/** submit_for_approval: the submission's optional comment (it is submitted as the record's owner). */
export function SubmitForApprovalInputs({ name, test, trigger }: Props) {
  const { t } = useI18n();
  return (
    <>
      <NotOwned trigger={trigger} />
      <Form.Item name={[name, 'comment']} label={t('setup.flows.comment')} extra={t('setup.flows.approvalHelp')}>
        <Input.TextArea autoSize={{ minRows: 1, maxRows: 4 }} maxLength={2000} data-testid={`${test}-comment`} />
      </Form.Item>
    </>
  );
}

/** An action of a type this editor does not know: shown as it is, kept as it is. */
export function UnknownAction({ action }: { action: ActionForm }) {
  const { t } = useI18n();
  return (
    <Alert
      type="info"
      showIcon
      message={t('setup.flows.unknownAction', { type: action.type })}
      description={<pre className="ky-setup-mono ky-flow-raw">{JSON.stringify(action.raw ?? {}, null, 2)}</pre>}
    />
  );
}
