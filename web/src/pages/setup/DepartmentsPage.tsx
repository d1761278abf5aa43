import { ApartmentOutlined, DeleteOutlined, DragOutlined, EditOutlined, ExportOutlined, PlusOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, App, Button, Checkbox, Empty, Form, Input, Modal, Popconfirm, Select, Space, Table, Tag, Tree } from 'antd';
import { useCallback, useEffect, useMemo, useState, type HTMLAttributes, type Key, type ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { ApiError } from '../../api/client';
import { api } from '../../api/endpoints';
import type { RecordData } from '../../api/types';
import { ErrorResult, errorMessage } from '../../components/Status';
import { LookupSelect, type LookupValue } from '../../fields/LookupSelect';
import { useI18n } from '../../i18n';
import {
  ancestorIds,
  buildTree,
  countsByDepartment,
  dropParent,
  moveTargets,
  pathLabel,
  subtreeIds,
  toDepartment,
  type Department,
  type DepartmentNode,
} from './departments';

/** Departments of a company are few (tens to hundreds): load them all, a page at a time. */
async function loadDepartments(): Promise<Department[]> {
  const out: Department[] = [];
  let cursor: string | null = null;
  do {
    const page = await api.list('department', { fields: ['name', 'parent', 'manager'], limit: 500, cursor, sort: 'name' });
    out.push(...page.records.map(toDepartment));
    cursor = page.next_cursor;
  } while (cursor && out.length < 10_000);
  return out;
}

async function loadCounts(): Promise<Record<string, number>> {
  const answer = await api.aggregate('user', {
    filter: { field: 'is_active', op: 'eq', value: true },
    group_by: [{ field: 'department' }],
    aggregates: [{ op: 'count' }],
  });
  return countsByDepartment(answer.groups ?? []);
}

const TOP = '__top__';

interface TreeItem {
  key: string;
  title: ReactNode;
  children: TreeItem[];
}

type Editing = { mode: 'create'; parent: Department | null } | { mode: 'edit'; department: Department };

/**
 * The organisation as a tree: departments with their managers and active-user counts. Add a
 * department at the top or below another, rename it or change its manager, move it by drag and
 * drop or with "Move to…" (a PATCH of its parent: the server moves the whole subtree and its
 * members' access paths), and see the people of the selected department.
 */
export default function DepartmentsPage() {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [departments, setDepartments] = useState<Department[] | null>(null);
  const [counts, setCounts] = useState<Record<string, number>>({});
  const [error, setError] = useState<unknown>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [expanded, setExpanded] = useState<Key[] | null>(null);
  const [editing, setEditing] = useState<Editing | null>(null);
  const [moving, setMoving] = useState<Department | null>(null);

  const load = useCallback(async () => {
    setError(null);
    try {
      const [list, byDept] = await Promise.all([loadDepartments(), loadCounts().catch(() => ({}))]);
      setDepartments(list);
      setCounts(byDept);
      // Open everything the first time; afterwards keep what the administrator opened.
      setExpanded((prev) => prev ?? list.filter((d) => list.some((c) => c.parent === d.id)).map((d) => d.id));
      setSelected((prev) => prev ?? list.find((d) => !d.parent)?.id ?? null);
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const tree = useMemo(() => buildTree(departments ?? []), [departments]);
  const current = departments?.find((d) => d.id === selected) ?? null;

  const reveal = (id: string) => setExpanded((prev) => [...new Set([...(prev ?? []), ...ancestorIds(departments ?? [], id)])]);

  const move = async (department: Department, parent: string | null) => {
    await api.update('department', department.id, department.version, { parent });
    const target = departments?.find((d) => d.id === parent);
    message.success(target ? t('setup.departments.moved', { name: department.name, parent: target.name }) : t('setup.departments.movedTop', { name: department.name }));
    setExpanded((prev) => [...new Set([...(prev ?? []), ...(parent ? [parent] : [])])]);
    await load();
  };

  const treeData = (nodes: DepartmentNode[]): TreeItem[] =>
    nodes.map((n) => ({
      key: n.key,
      title: (
        <span className="ky-dept-node" data-testid="dept-node">
          <span className="ky-dept-name">{n.department.name}</span>
          {n.department.managerName && (
            <span className="ky-dept-manager">
              <UserOutlined /> {n.department.managerName}
            </span>
          )}
          {counts[n.key] ? <span className="ky-dept-count">{counts[n.key]}</span> : null}
        </span>
      ),
      children: treeData(n.children),
    }));

  if (error) return <ErrorResult error={error} onRetry={() => void load()} />;

  return (
    <div className="ky-depts" data-testid="departments-page">
      <div className="ky-setup-panel">
        <div className="ky-setup-toolbar" style={{ marginBottom: 8 }}>
          <h2>{t('setup.departments.title')}</h2>
          <Button size="small" icon={<PlusOutlined />} onClick={() => setEditing({ mode: 'create', parent: null })} data-testid="dept-new">
            {t('setup.departments.newTop')}
          </Button>
        </div>
        <p className="ky-page-sub">
          <DragOutlined /> {t('setup.departments.dragHelp')}
        </p>
        {departments === null ? (
          <Tree treeData={[]} />
        ) : departments.length === 0 ? (
          <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('setup.departments.empty')} />
        ) : (
          <Tree
            className="ky-dept-tree"
            data-testid="dept-tree"
            blockNode
            showLine
            draggable={{ icon: false }}
            treeData={treeData(tree)}
            selectedKeys={selected ? [selected] : []}
            expandedKeys={expanded ?? []}
            onExpand={(keys) => setExpanded(keys)}
            onSelect={(keys) => keys.length && setSelected(String(keys[0]))}
            onDrop={(info) => {
              const dragged = departments.find((d) => d.id === String(info.dragNode.key));
              const parent = dropParent(departments, { dragKey: String(info.dragNode.key), dropKey: String(info.node.key), dropToGap: info.dropToGap });
              if (!dragged || parent === undefined) return;
              move(dragged, parent).catch((e: unknown) => {
                message.error(errorMessage(e, t));
                void load();
              });
            }}
          />
        )}
      </div>
      <div className="ky-setup-panel">
        {current ? (
          <DepartmentDetail
            key={current.id}
            department={current}
            departments={departments ?? []}
            onAddChild={() => setEditing({ mode: 'create', parent: current })}
            onEdit={() => setEditing({ mode: 'edit', department: current })}
            onMove={() => setMoving(current)}
            onDelete={async () => {
              try {
                await api.remove('department', current.id);
              } catch (e) {
                // A department with sub-departments or members is refused with how many there are.
                message.error(errorMessage(e, t));
                return;
              }
              message.success(t('setup.departments.deleted', { name: current.name }));
              setSelected(current.parent ?? null);
              await load();
            }}
          />
        ) : (
          <Empty description={t('setup.departments.pick')} />
        )}
      </div>
      <DepartmentModal
        editing={editing}
        onClose={() => setEditing(null)}
        onSaved={async (saved, created) => {
          setEditing(null);
          message.success(created ? t('setup.departments.created', { name: saved.name }) : t('setup.departments.saved'));
          if (created) {
            setSelected(saved.id);
            if (saved.parent) setExpanded((prev) => [...new Set([...(prev ?? []), saved.parent!])]);
          }
          await load();
          if (created) reveal(saved.id);
        }}
      />
      <MoveModal
        department={moving}
        departments={departments ?? []}
        onClose={() => setMoving(null)}
        onMove={async (department, parent) => {
          await move(department, parent);
          setMoving(null);
        }}
      />
    </div>
  );
}

function DepartmentDetail({
  department,
  departments,
  onAddChild,
  onEdit,
  onMove,
  onDelete,
}: {
  department: Department;
  departments: Department[];
  onAddChild: () => void;
  onEdit: () => void;
  onMove: () => void;
  onDelete: () => Promise<void>;
}) {
  const { t } = useI18n();
  const [withSubtree, setWithSubtree] = useState(false);
  const [users, setUsers] = useState<RecordData[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const ids = useMemo(() => (withSubtree ? [...subtreeIds(departments, department.id)] : [department.id]), [withSubtree, departments, department.id]);

  useEffect(() => {
    const ctrl = new AbortController();
    setUsers(null);
    setError(null);
    api
      .list(
        'user',
        {
          filter: ids.length === 1 ? { field: 'department', op: 'eq', value: ids[0] } : { field: 'department', op: 'in', value: ids },
          fields: ['name', 'email', 'title', 'department', 'is_active'],
          sort: 'name',
          limit: 200,
        },
        ctrl.signal,
      )
      .then((page) => setUsers(page.records))
      .catch((e: unknown) => {
        if (!ctrl.signal.aborted) setError(e);
      });
    return () => ctrl.abort();
  }, [ids]);

  return (
    <div>
      <div className="ky-setup-toolbar">
        <div>
          <h2 data-testid="dept-title">
            <ApartmentOutlined /> {department.name}
          </h2>
          <div className="ky-page-sub">{pathLabel(departments, department.id)}</div>
        </div>
        <Space wrap>
          <Button type="primary" icon={<PlusOutlined />} onClick={onAddChild} data-testid="dept-add-child">
            {t('setup.departments.addChild')}
          </Button>
          <Button icon={<EditOutlined />} onClick={onEdit} data-testid="dept-edit">
            {t('setup.departments.edit')}
          </Button>
          <Button icon={<DragOutlined />} onClick={onMove} data-testid="dept-move">
            {t('setup.departments.move')}
          </Button>
          <Link to={`/o/department/${department.id}`}>
            <Button icon={<ExportOutlined />}>{t('setup.departments.openRecord')}</Button>
          </Link>
          <Popconfirm
            title={t('setup.departments.deleteConfirm', { name: department.name })}
            description={t('setup.departments.deleteHelp')}
            okText={t('common.delete')}
            okButtonProps={{ danger: true, ...({ 'data-testid': 'dept-delete-ok' } as Record<string, string>) }}
            cancelText={t('common.cancel')}
            onConfirm={onDelete}
          >
            <Button danger icon={<DeleteOutlined />} data-testid="dept-delete">
              {t('common.delete')}
            </Button>
          </Popconfirm>
        </Space>
      </div>
      <p data-testid="dept-manager">
        <span className="ky-page-sub">{t('setup.departments.manager')}: </span>
        {department.managerName ?? <span className="ky-page-sub">{t('setup.departments.noManager')}</span>}
      </p>
      <div className="ky-setup-toolbar">
        <h3 style={{ margin: 0 }}>{t('setup.departments.users')}</h3>
        <Checkbox checked={withSubtree} onChange={(e) => setWithSubtree(e.target.checked)} data-testid="dept-with-subtree">
          {t('setup.departments.includeSub')}
        </Checkbox>
      </div>
      {error ? (
        <ErrorResult error={error} />
      ) : (
        <Table<RecordData>
          rowKey="id"
          size="small"
          loading={users === null}
          dataSource={users ?? []}
          pagination={false}
          data-testid="dept-users"
          locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('setup.departments.noUsers')} /> }}
          onRow={(u) => ({ 'data-testid': `dept-user-${String(u.email ?? u.id)}` }) as HTMLAttributes<HTMLElement>}
          columns={[
            { title: t('setup.users.col.name'), key: 'name', render: (_, u) => <Link to={`/o/user/${u.id}`}>{String(u.name ?? u.id)}</Link> },
            { title: t('login.email'), dataIndex: 'email', render: (v: unknown) => (v ? String(v) : '—') },
            { title: t('setup.departments.jobTitle'), dataIndex: 'title', render: (v: unknown) => (v ? String(v) : '—') },
            ...(withSubtree ? [{ title: t('setup.users.field.department'), key: 'department', render: (_: unknown, u: RecordData) => u._display?.department ?? '—' }] : []),
            {
              title: t('setup.users.col.status'),
              key: 'active',
              width: 100,
              render: (_, u) => (u.is_active === false ? <Tag>{t('setup.users.status.inactive')}</Tag> : <Tag color="green">{t('setup.users.status.active')}</Tag>),
            },
          ]}
        />
      )}
    </div>
  );
}

interface DepartmentForm {
  name: string;
  manager: LookupValue | null;
}

/** The manager input: a type-ahead over users, picked by name. */
function ManagerInput({ value, onChange, id }: { value?: LookupValue | null; onChange?: (v: LookupValue | null) => void; id?: string }) {
  return <LookupSelect id={id} target="user" value={value ?? null} onChange={(v) => onChange?.(v)} allowClear />;
}

function DepartmentModal({ editing, onClose, onSaved }: { editing: Editing | null; onClose: () => void; onSaved: (saved: Department, created: boolean) => void | Promise<void> }) {
  const { t } = useI18n();
  const [form] = Form.useForm<DepartmentForm>();
  const [saving, setSaving] = useState(false);
  const [general, setGeneral] = useState<string[]>([]);
  const open = editing !== null;

  useEffect(() => {
    if (!editing) return;
    setGeneral([]);
    form.resetFields();
    if (editing.mode === 'edit') {
      const d = editing.department;
      form.setFieldsValue({ name: d.name, manager: d.manager ? { value: d.manager, label: d.managerName ?? d.manager } : null });
    }
  }, [editing, form]);

  const submit = async () => {
    if (!editing) return;
    let values: DepartmentForm;
    try {
      values = await form.validateFields();
    } catch {
      return;
    }
    setSaving(true);
    setGeneral([]);
    try {
      const body = { name: values.name.trim(), manager: values.manager?.value ?? null };
      const saved =
        editing.mode === 'create'
          ? await api.create('department', { ...body, parent: editing.parent?.id ?? null })
          : await api.update('department', editing.department.id, editing.department.version, body);
      await onSaved(toDepartment(saved), editing.mode === 'create');
    } catch (e) {
      if (e instanceof ApiError && e.fieldErrors.length) {
        const rest: string[] = [];
        for (const fe of e.fieldErrors) {
          if (fe.field === 'name' || fe.field === 'manager') form.setFields([{ name: fe.field, errors: [fe.message] }]);
          else rest.push(fe.message);
        }
        setGeneral(rest.length ? rest : [t('setup.fixErrors')]);
      } else setGeneral([errorMessage(e, t)]);
    } finally {
      setSaving(false);
    }
  };

  const title = !editing
    ? ''
    : editing.mode === 'edit'
      ? t('setup.departments.editTitle', { name: editing.department.name })
      : editing.parent
        ? t('setup.departments.newChildTitle', { parent: editing.parent.name })
        : t('setup.departments.newTop');

  return (
    <Modal
      open={open}
      title={title}
      onCancel={onClose}
      onOk={() => void submit()}
      confirmLoading={saving}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      destroyOnHidden
      okButtonProps={{ 'data-testid': 'dept-save' } as never}
    >
      {general.length > 0 && <Alert type="error" showIcon style={{ marginBottom: 12 }} message={general.map((g, i) => <div key={i}>{g}</div>)} />}
      <Form form={form} layout="vertical">
        <Form.Item name="name" label={t('setup.departments.name')} rules={[{ required: true, whitespace: true, message: t('setup.departments.nameRequired') }]}>
          <Input maxLength={100} data-testid="dept-name" />
        </Form.Item>
        <Form.Item name="manager" label={t('setup.departments.manager')} extra={t('setup.departments.managerHelp')}>
          <ManagerInput />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function MoveModal({
  department,
  departments,
  onClose,
  onMove,
}: {
  department: Department | null;
  departments: Department[];
  onClose: () => void;
  onMove: (department: Department, parent: string | null) => Promise<void>;
}) {
  const { t } = useI18n();
  const [target, setTarget] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setTarget(null);
    setError(null);
  }, [department]);

  const options = department
    ? [...(department.parent ? [{ value: TOP, label: t('setup.departments.topLevel') }] : []), ...moveTargets(departments, department.id)]
    : [];

  const submit = async () => {
    if (!department || !target) return;
    setSaving(true);
    setError(null);
    try {
      await onMove(department, target === TOP ? null : target);
    } catch (e) {
      setError(e instanceof ApiError && e.fieldErrors.length ? e.fieldErrors.map((fe) => fe.message).join(' ') : errorMessage(e, t));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      open={department !== null}
      title={department ? t('setup.departments.moveTitle', { name: department.name }) : ''}
      onCancel={onClose}
      onOk={() => void submit()}
      confirmLoading={saving}
      okText={t('setup.departments.moveOk')}
      cancelText={t('common.cancel')}
      okButtonProps={{ disabled: !target, 'data-testid': 'dept-move-save' } as never}
      destroyOnHidden
    >
      {error && <Alert type="error" showIcon style={{ marginBottom: 12 }} message={error} data-testid="dept-move-error" />}
      <p className="ky-page-sub">{t('setup.departments.moveHelp')}</p>
      <Select
        className="ky-fullwidth"
        showSearch
        optionFilterProp="label"
        value={target}
        onChange={setTarget}
        options={options}
        placeholder={t('setup.departments.moveTarget')}
        data-testid="dept-move-target"
      />
    </Modal>
  );
}
