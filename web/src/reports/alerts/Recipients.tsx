/**
 * Who an alert or a report email goes to: its owner always, the users picked and (picked by an
 * administrator only — the server answers 403 `alert_roles_need_admin` otherwise) the members
 * of roles. Rules store ids; the names are asked for once per list shown.
 */
import { Form } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { LookupSelect, type LookupValue } from '../../fields/LookupSelect';
import { useI18n } from '../../i18n';
import { fetchTitles } from '../../lib/referenceLabels';
import { useMetadata } from '../../state/metadata';
import { at, type Errors } from '../builder/errors';

interface Props {
  users: LookupValue[];
  roles: LookupValue[];
  onUsers: (v: LookupValue[]) => void;
  onRoles: (v: LookupValue[]) => void;
  canPickRoles: boolean;
  errors: Errors;
}

export function RecipientsFields({ users, roles, onUsers, onRoles, canPickRoles, errors }: Props) {
  const { t } = useI18n();
  // A malformed list as a whole (`recipients`) is shown with the users.
  const usersErrors = at({ users: [errors.recipients, errors['recipients.users']].filter(Boolean).join('; ') }, 'users');
  return (
    <>
      <Form.Item label={t('reports.recipients.users')} extra={t('reports.recipients.youToo')} {...usersErrors}>
        <div data-testid="recipients-users">
          <LookupSelect target="user" multiple value={users} onChange={(v) => onUsers(v ? [v] : [])} onChangeMany={onUsers} />
        </div>
      </Form.Item>
      <Form.Item label={t('reports.recipients.roles')} extra={canPickRoles ? t('reports.recipients.rolesHelp') : t('reports.recipients.adminRoles')} {...at(errors, 'recipients.roles')}>
        <div data-testid="recipients-roles">
          <LookupSelect target="role" multiple value={roles} onChange={(v) => onRoles(v ? [v] : [])} onChangeMany={onRoles} disabled={!canPickRoles} />
        </div>
      </Form.Item>
    </>
  );
}

interface WithPeople {
  owner_id: string | null;
  recipients: { users?: string[]; roles?: string[] };
}

/** Names of the users and roles (and owners) the rules name: id → name, the id until known. */
export function usePeopleTitles(rules: WithPeople[]): Map<string, string> {
  const { getObject } = useMetadata();
  const [titles, setTitles] = useState<Map<string, string>>(new Map());
  const users = useMemo(() => [...new Set(rules.flatMap((r) => [...(r.recipients.users ?? []), ...(r.owner_id ? [r.owner_id] : [])]))].sort().join(' '), [rules]);
  const roles = useMemo(() => [...new Set(rules.flatMap((r) => r.recipients.roles ?? []))].sort().join(' '), [rules]);
  useEffect(() => {
    const wanted = new Map<string, string[]>();
    if (users) wanted.set('user', users.split(' '));
    if (roles) wanted.set('role', roles.split(' '));
    if (!wanted.size) return;
    const ctrl = new AbortController();
    void fetchTitles(wanted, getObject, ctrl.signal).then((found) => {
      if (!ctrl.signal.aborted) setTitles((prev) => new Map([...prev, ...found]));
    });
    return () => ctrl.abort();
  }, [users, roles, getObject]);
  return titles;
}

/** "Li Lei, Wang Fang · Managers" — the names a rule is sent to besides its owner. */
export function recipientsText(recipients: WithPeople['recipients'], titles: Map<string, string>): string {
  const names = (ids?: string[]) => (ids ?? []).map((id) => titles.get(id) ?? id).join(', ');
  return [names(recipients.users), names(recipients.roles)].filter(Boolean).join(' · ');
}
