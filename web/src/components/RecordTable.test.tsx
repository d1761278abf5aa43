import { fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { RecordTable, ROW_HEIGHT, visibleRange, type SortDirection, type TableColumn } from './RecordTable';

interface Row {
  id: string;
  name: string;
  amount: number;
}

const ROWS: Row[] = ['a', 'b', 'c', 'd'].map((id, i) => ({ id, name: `Row ${id}`, amount: i * 10 }));
const COLUMNS: TableColumn<Row>[] = [
  { key: 'name', title: 'Name', width: 200, sortable: true, render: (r) => r.name },
  { key: 'amount', title: 'Amount', width: 120, align: 'right', sortable: true, render: (r) => r.amount },
  { key: 'note', title: 'Note', width: 120, render: () => 'n' },
];

function Harness({ onRowClick, onSort }: { onRowClick?: (r: Row) => void; onSort?: (k: string, d: SortDirection | null) => void }) {
  const [selected, setSelected] = useState<string[]>([]);
  const [sort, setSort] = useState<{ key: string; direction: SortDirection } | null>(null);
  return (
    <>
      <output data-testid="selected">{selected.join(',')}</output>
      <RecordTable<Row>
        label="Rows"
        columns={COLUMNS}
        rows={ROWS}
        sort={sort}
        onSort={(key, direction) => {
          onSort?.(key, direction);
          setSort(direction ? { key, direction } : null);
        }}
        selection={{ selected, onChange: setSelected, labels: { all: 'Select all', row: (r) => `Select ${r.name}` } }}
        onRowClick={onRowClick ? (r) => onRowClick(r) : undefined}
        stickyFirstColumn
      />
    </>
  );
}

describe('RecordTable', () => {
  it('sorts from the header: ascending, descending, then unsorted, with aria-sort', () => {
    const onSort = vi.fn();
    render(<Harness onSort={onSort} />);
    const header = screen.getByRole('columnheader', { name: /Name/ });
    fireEvent.click(screen.getByTestId('sort-name'));
    expect(onSort).toHaveBeenLastCalledWith('name', 'asc');
    expect(header.getAttribute('aria-sort')).toBe('ascending');
    fireEvent.click(screen.getByTestId('sort-name'));
    expect(onSort).toHaveBeenLastCalledWith('name', 'desc');
    expect(header.getAttribute('aria-sort')).toBe('descending');
    fireEvent.click(screen.getByTestId('sort-name'));
    expect(onSort).toHaveBeenLastCalledWith('name', null);
    expect(header.getAttribute('aria-sort')).toBeNull();
    // a column that is not sortable has no sort button
    expect(screen.queryByTestId('sort-note')).toBeNull();
  });

  it('selects rows one by one, by shift-click range, and all at once', () => {
    render(<Harness />);
    const check = (name: string) => screen.getByLabelText(`Select Row ${name}`);
    const all = screen.getByLabelText('Select all') as HTMLInputElement;
    fireEvent.click(check('a'));
    expect(screen.getByTestId('selected').textContent).toBe('a');
    expect(all.indeterminate).toBe(true);
    fireEvent.click(check('c'), { shiftKey: true });
    expect(screen.getByTestId('selected').textContent).toBe('a,b,c');
    fireEvent.click(check('b'));
    expect(screen.getByTestId('selected').textContent).toBe('a,c');
    fireEvent.click(all);
    expect(screen.getByTestId('selected').textContent).toBe('a,b,c,d');
    expect(all.checked).toBe(true);
    expect(all.indeterminate).toBe(false);
    fireEvent.click(all);
    expect(screen.getByTestId('selected').textContent).toBe('');
  });

  it('opens a row on click, but not when its checkbox is clicked', () => {
    const onRowClick = vi.fn();
    render(<Harness onRowClick={onRowClick} />);
    fireEvent.click(screen.getByText('Row b'));
    expect(onRowClick).toHaveBeenCalledWith(ROWS[1]);
    onRowClick.mockClear();
    fireEvent.click(screen.getByLabelText('Select Row b'));
    expect(onRowClick).not.toHaveBeenCalled();
  });

  it('shows placeholder rows while the first page loads, and the empty state after', () => {
    const { container, rerender } = render(<RecordTable<Row> label="Rows" columns={COLUMNS} rows={[]} loading empty={<p>Nothing here</p>} />);
    expect(container.querySelectorAll('.ky-dt-skeleton')).toHaveLength(8);
    expect(screen.queryByText('Nothing here')).toBeNull();
    expect(screen.getByRole('table').getAttribute('aria-busy')).toBe('true');
    rerender(<RecordTable<Row> label="Rows" columns={COLUMNS} rows={[]} loading={false} empty={<p>Nothing here</p>} />);
    expect(container.querySelectorAll('.ky-dt-skeleton')).toHaveLength(0);
    expect(screen.getByText('Nothing here')).toBeTruthy();
  });

  it('is laid out from the column widths: the table is as wide as its columns', () => {
    render(<Harness />);
    const table = screen.getByRole('table');
    expect(table.style.width).toBe(`${44 + 200 + 120 + 120}px`);
    expect([...table.querySelectorAll('col')].map((c) => c.style.width)).toEqual(['44px', '200px', '120px', '120px']);
  });

  it('renders only the rows in view and a few more, with spacers standing for the rest', () => {
    const many: Row[] = Array.from({ length: 500 }, (_, i) => ({ id: `r${i}`, name: `Row ${i}`, amount: i }));
    const { container } = render(<RecordTable<Row> label="Rows" columns={COLUMNS} rows={many} />);
    const rendered = container.querySelectorAll('tr.ky-row');
    const [, last] = visibleRange(500, 0, window.innerHeight);
    expect(rendered.length).toBe(last);
    expect(rendered.length).toBeLessThan(60);
    expect(rendered[0].getAttribute('aria-rowindex')).toBe('2');
    const below = container.querySelector('tr.ky-dt-spacer td') as HTMLElement;
    expect(below.style.height).toBe(`${(500 - last) * ROW_HEIGHT}px`);
    expect(screen.getByRole('table').getAttribute('aria-rowcount')).toBe('501');
  });
});

describe('visibleRange', () => {
  it('covers the viewport plus the overscan, clamped to the rows there are', () => {
    // 900 px of viewport at the top: 19 rows visible, 8 more below
    expect(visibleRange(1000, 0, 900)).toEqual([0, 27]);
    // scrolled to row 100 (plus the header): 8 rows above stay rendered
    expect(visibleRange(1000, 45 + 100 * ROW_HEIGHT, 900)).toEqual([92, 127]);
    expect(visibleRange(10, 0, 900)).toEqual([0, 10]);
    expect(visibleRange(0, 0, 900)).toEqual([0, 0]);
    expect(visibleRange(50, 45 + 49 * ROW_HEIGHT, 900)).toEqual([41, 50]);
  });
});
