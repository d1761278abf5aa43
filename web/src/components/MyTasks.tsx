import { CheckSquareOutlined } from '@ant-design/icons';
import { App, Checkbox, Empty, Skeleton, Tag } from 'antd';
import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../api/endpoints';
import type { RecordData } from '../api/types';
import { useI18n } from '../i18n';
import { getField } from '../lib/fields';
import { formatDate } from '../lib/format';
import { myTasksQuery, taskLink, todayIn } from '../lib/tasks';
import { useMetadata } from '../state/metadata';
import { useCurrentUser, useFormatSettings } from '../state/session';
import { errorMessage } from './Status';

/** Home: my open tasks due today or earlier; tick one to mark it done. */
export function MyTasks() {
  const { t } = useI18n();
  const fmt = useFormatSettings();
  const user = useCurrentUser();
  const { getObject } = useMetadata();
  const { message } = App.useApp();
  const activity = getObject('activity');
  const me = user?.id;
  const [tasks, setTasks] = useState<RecordData[] | null>(null);
  const [done, setDone] = useState<Set<string>>(new Set());
  const today = todayIn(fmt.timeZone);
  const usable = !!activity && !!getField(activity, 'due_date') && !!getField(activity, 'status') && !!me;

  useEffect(() => {
    if (!usable) return;
    const ctrl = new AbortController();
    api
      .query('activity', myTasksQuery(me!), ctrl.signal)
      .then((page) => setTasks(page.records))
      .catch(() => setTasks([]));
    return () => ctrl.abort();
  }, [usable, me]);

  if (!usable) return null;

  const mark = (id: string, checked: boolean) =>
    setDone((d) => {
      const n = new Set(d);
      if (checked) n.add(id);
      else n.delete(id);
      return n;
    });

  /** Ticked at once; un-ticked again if the server refuses (e.g. someone changed the task). */
  const complete = async (task: RecordData, checked: boolean) => {
    mark(task.id, checked);
    try {
      const updated = await api.update('activity', task.id, task.version, { status: checked ? 'completed' : 'open' });
      setTasks((list) => (list ?? []).map((x) => (x.id === task.id ? { ...x, ...updated } : x)));
      if (checked) message.success(t('tasks.done'));
    } catch (e) {
      mark(task.id, !checked);
      message.error(errorMessage(e, t));
    }
  };

  return (
    <div className="ky-panel ky-home-card" data-testid="my-tasks">
      <div className="ky-panel-title">
        <CheckSquareOutlined /> {t('tasks.title')}
      </div>
      {tasks === null ? (
        <Skeleton active paragraph={{ rows: 3 }} />
      ) : tasks.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('tasks.empty')} />
      ) : (
        <ul className="ky-tasks">
          {tasks.map((task) => {
            const due = String(task.due_date ?? '');
            const overdue = due < today;
            const link = taskLink(task);
            return (
              <li key={task.id} className={`ky-task${done.has(task.id) ? ' is-done' : ''}`} data-testid="task">
                <Checkbox checked={done.has(task.id)} onChange={(e) => void complete(task, e.target.checked)} aria-label={t('tasks.markDone')} />
                <div className="ky-task-main">
                  <Link to={`/o/activity/${encodeURIComponent(task.id)}`} className="ky-task-subject">
                    {String(task.subject ?? '')}
                  </Link>
                  <div className="ky-task-meta">
                    {overdue ? <Tag color="red">{t('tasks.overdue')}</Tag> : <Tag color="blue">{t('tasks.today')}</Tag>}
                    <span className={overdue ? 'ky-task-overdue' : undefined}>{formatDate(due, fmt)}</span>
                    {link && (
                      <>
                        {' · '}
                        <Link to={link.href}>{link.title}</Link>
                      </>
                    )}
                  </div>
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
