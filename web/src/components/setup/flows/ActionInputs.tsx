import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, Button, Col, Form, Row, Select, type FormInstance } from 'antd';
import type { ObjectMeta } from '../../../api/types';
import { useI18n } from '../../../i18n';
import {
  ASSIGN_STRATEGIES,
  hasOwner,
  MAX_RECIPIENTS,
  MERGE_FIELDS,
  RECIPIENT_TYPES,
  userFields,
  type ActionForm,
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
 * notify: who gets it (the owner, the owner's manager, a user, the user in a field, everyone
 * with a role), and its title and optional body per language, as templates with merge fields.
 */
export function NotifyInputs({ form, name, test, trigger }: Props) {
  const { t, label } = useI18n();
  const recipients = (Form.useWatch(['actions', name, 'recipients'], form) as RecipientForm[] | undefined) ?? [];
  const people = userFields(trigger);
  const titleRule = (other: 'title_en' | 'title_zh') => ({
    validator(_: unknown, value: unknown) {
      const theirs = form.getFieldValue(['actions', name, other]);
      if ((typeof value === 'string' && value.trim()) || (typeof theirs === 'string' && theirs.trim())) return Promise.resolve();
      return Promise.reject(new Error(t('setup.flows.titleRequired')));
    },
  });

  return (
    <>
      <NotOwned trigger={recipients.some((r) => r?.type === 'owner' || r?.type === 'owner_manager') ? trigger : undefined} />
      <div className="ky-flow-rowhead-single">{t('setup.flows.recipients')}</div>
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
                      options={RECIPIENT_TYPES.map((v) => ({ value: v, label: t(`setup.flows.recipient.${v}`) }))}
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
                    disabled={items.length === 1}
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
              onClick={() => add({ type: 'owner' })}
              disabled={items.length >= MAX_RECIPIENTS}
              data-testid={`${test}-add-recipient`}
              style={{ marginBottom: 8 }}
            >
              {t('setup.flows.addRecipient')}
            </Button>
            <div className="ky-flow-help" style={{ marginBottom: 12 }}>
              {t('setup.flows.recipientsHelp')}
            </div>
          </>
        )}
      </Form.List>
      <Row gutter={12}>
        <Col xs={24} sm={12}>
          <Form.Item name={[name, 'title_en']} label={t('setup.flows.title_en')} dependencies={[['actions', name, 'title_zh']]} rules={[titleRule('title_zh')]}>
            <TemplateInput object={trigger} placeholder="{{ record.name }} was won" testId={`${test}-title-en`} />
          </Form.Item>
        </Col>
        <Col xs={24} sm={12}>
          <Form.Item name={[name, 'title_zh']} label={t('setup.flows.title_zh')} dependencies={[['actions', name, 'title_en']]} rules={[titleRule('title_en')]}>
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
      <div className="ky-flow-help" data-testid={`${test}-merge-help`}>
        {t('setup.flows.templateHelp')}{' '}
        {MERGE_FIELDS.map((m) => (
          <code key={m} className="ky-setup-mono ky-flow-merge">
            {m}
          </code>
        ))}{' '}
        {t('setup.flows.templateHelpMore')}
      </div>
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
