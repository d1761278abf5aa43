import { DeleteOutlined, EditOutlined } from '@ant-design/icons';
import { Button, Space, Tooltip, type TableColumnType } from 'antd';
import { useI18n } from '../../i18n';

interface Props {
  /** The row's name: part of the buttons' accessible labels and test ids. */
  name: string;
  /** Test ids are `${testId}-edit-${name}` and `${testId}-delete-${name}`. */
  testId: string;
  onEdit: () => void;
  /** Omitted: the row cannot be deleted and no delete button is shown. */
  onDelete?: () => void;
  deleteLabel?: string;
}

/** The edit and delete icon buttons at the end of a Setup table row. */
export function RowActions({ name, testId, onEdit, onDelete, deleteLabel }: Props) {
  const { t } = useI18n();
  const remove = deleteLabel ?? t('common.delete');
  return (
    <Space size={0}>
      <Tooltip title={t('common.edit')}>
        <Button type="text" icon={<EditOutlined />} aria-label={`${t('common.edit')} ${name}`} data-testid={`${testId}-edit-${name}`} onClick={onEdit} />
      </Tooltip>
      {onDelete && (
        <Tooltip title={remove}>
          <Button type="text" danger icon={<DeleteOutlined />} aria-label={`${remove} ${name}`} data-testid={`${testId}-delete-${name}`} onClick={onDelete} />
        </Tooltip>
      )}
    </Space>
  );
}

/** The right-aligned column of these buttons, for the Setup tables whose every row can be edited and deleted. */
export function actionsColumn<T extends { name: string }>(testId: string, onEdit: (row: T, index: number) => void, onDelete: (row: T, index: number) => void): TableColumnType<T> {
  return {
    key: 'actions',
    align: 'right',
    width: 96,
    render: (_, r, i) => <RowActions name={r.name} testId={testId} onEdit={() => onEdit(r, i)} onDelete={() => onDelete(r, i)} />,
  };
}
