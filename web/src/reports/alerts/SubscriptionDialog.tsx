/**
 * A report emailed on a schedule, or a change to one: when (every day, weekdays, a day of the
 * week or of the month, at a time), as what (an Excel or CSV attachment, or only the link) and
 * to whom. Each recipient's copy holds what they may see of the report.
 */
import { Alert, Form, Modal, Radio, Switch } from 'antd';
import { useEffect, useState } from 'react';
import { errorMessage } from '../../components/Status';
import { useI18n, type MessageKey } from '../../i18n';
import { useCurrentUser } from '../../state/session';
import { at, type Errors } from '../builder/errors';
import { SUBSCRIPTION_FORMATS, subscriptionsApi, type ReportSubscription, type SubscriptionFormat } from './api';
import { placeRuleErrors, subscriptionBody, subscriptionForm, type SubscriptionForm } from './forms';
import { RecipientsFields } from './Recipients';
import { ScheduleFields } from './ScheduleFields';

const PLACED = /^(schedule|format|recipients(\.users|\.roles)?|active)$/;

interface Props {
  open: boolean;
  reportId: string;
  /** The subscription to edit; none: a new one. */
  subscription: ReportSubscription | null;
  titles: Map<string, string>;
  onClose: () => void;
  onSaved: (sub: ReportSubscription) => void;
}

export function SubscriptionDialog({ open, reportId, subscription, titles, onClose, onSaved }: Props) {
  const { t } = useI18n();
  const user = useCurrentUser();
  const [form, setForm] = useState<SubscriptionForm>(() => subscriptionForm(subscription, titles));
  const [errors, setErrors] = useState<Errors>({});
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    if (!open) return;
    setForm(subscriptionForm(subscription, titles));
    setErrors({});
    // Names arriving later do not reset what was picked (see the effect below).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [open, subscription]);
  useEffect(() => {
    const named = (list: SubscriptionForm['users']) => list.map((v) => ({ value: v.value, label: titles.get(v.value) ?? v.label }));
    setForm((f) => ({ ...f, users: named(f.users), roles: named(f.roles) }));
  }, [titles]);

  const set = (part: Partial<SubscriptionForm>) => setForm((f) => ({ ...f, ...part }));

  const save = async () => {
    if (form.schedule.frequency === 'custom' && !form.schedule.cron.trim()) {
      setErrors({ schedule: t('common.required') });
      return;
    }
    setSaving(true);
    setErrors({});
    try {
      const body = subscriptionBody(form, reportId);
      if (subscription) {
        const { report_id: _, ...change } = body;
        onSaved(await subscriptionsApi.update(subscription.id, change));
      } else {
        onSaved(await subscriptionsApi.create(body));
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
      title={subscription ? t('reports.subs.edit') : t('reports.subs.new')}
      onCancel={onClose}
      onOk={() => void save()}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={saving}
      destroyOnHidden
      width={620}
    >
      <div data-testid="subscription-dialog">
        {errors._ && <Alert type="error" showIcon message={errors._} style={{ marginBottom: 12 }} data-testid="subscription-dialog-error" />}
        <Form layout="vertical" component="div">
          <ScheduleFields value={form.schedule} onChange={(schedule) => set({ schedule })} errors={errors} />
          <Form.Item label={t('reports.subs.format')} {...at(errors, 'format')}>
            <Radio.Group value={form.format} onChange={(e) => set({ format: e.target.value as SubscriptionFormat })} data-testid="subscription-format">
              {SUBSCRIPTION_FORMATS.map((f) => (
                <Radio key={f} value={f} data-testid={`subscription-format-${f}`}>
                  {t(`reports.subs.format.${f}` as MessageKey)}
                </Radio>
              ))}
            </Radio.Group>
          </Form.Item>
          <RecipientsFields users={form.users} roles={form.roles} onUsers={(users) => set({ users })} onRoles={(roles) => set({ roles })} canPickRoles={!!user?.is_admin} errors={errors} />
          <Form.Item label={t('reports.rules.active')} {...at(errors, 'active')}>
            <Switch checked={form.active} onChange={(active) => set({ active })} data-testid="subscription-active" />
          </Form.Item>
        </Form>
      </div>
    </Modal>
  );
}
