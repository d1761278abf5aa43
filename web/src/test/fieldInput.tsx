import { Form } from 'antd';
import type { FieldMeta, Lang } from '../api/types';
import { FieldInput } from '../fields/registry';
import { renderWith } from './render';

/** Render one field's input in a form item named after the field, the way record forms place it. */
export function renderFieldInput(field: FieldMeta, opts: { lang?: Lang } = {}) {
  return renderWith(
    <Form>
      <Form.Item name={field.name}>
        <FieldInput field={field} />
      </Form.Item>
    </Form>,
    opts,
  );
}
