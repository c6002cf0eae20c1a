// Lists loaded from the API, one way on every screen: the error above, "Loading" until the first
// answer (nothing when it failed), the screen's words when there is nothing, else the rows (a table
// from columns, or anything else from a render function), and a pager where the list has cursors.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { ApiError } from './api.js';
import { Empty, ErrorBox, Loading } from './ui.js';

export interface ListProps<R> {
  /** The rows; undefined until the first answer (or when it failed). */
  rows: readonly R[] | undefined;
  /** The list's error (or an action's on it): shown above it; a failed load shows nothing else. */
  error: ApiError | undefined;
  /** The form fields that show their own problems (ErrorBox `fields`). */
  errorFields?: readonly string[];
  /** The screen shows the error elsewhere: here it only stops "Loading". */
  errorShownElsewhere?: boolean;
  /** What to say when there are no rows. */
  empty: string;
  /** Older and newer pages (cursor lists): shown below, loaded or not. */
  pager?: Pager;
}

/** The loading, error and empty states around `children(rows)`. */
export function List<R>(props: ListProps<R> & { children: (rows: readonly R[]) => ComponentChildren }) {
  return (
    <>
      {props.errorShownElsewhere ? null : <ErrorBox error={props.error} {...(props.errorFields ? { fields: props.errorFields } : {})} />}
      {!props.rows ? props.error ? null : <Loading /> : props.rows.length === 0 ? <Empty>{props.empty}</Empty> : props.children(props.rows)}
      {props.pager ? <PagerNav {...props.pager} /> : null}
    </>
  );
}

export interface Column<R> {
  /** The header's words; with `hidden`, for screen readers only (an actions column). */
  head: string;
  hidden?: boolean;
  cell: (row: R, index: number) => ComponentChildren;
  /** The cells' class ("wrap" for long text). */
  class?: string;
  /** false leaves the column out (a control the user's role does not allow). Default true. */
  show?: boolean;
}

/** A list shown as a table: one column a field, one row a record. */
export function ListTable<R>(props: ListProps<R> & { columns: Column<R>[]; rowKey: (row: R, index: number) => string | number }) {
  const { columns, rowKey, ...list } = props;
  const shown = columns.filter((c) => c.show !== false);
  return (
    <List {...list}>
      {(rows) => (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                {shown.map((c, i) => (
                  <th scope="col" key={i}>
                    {c.hidden ? <span class="sr-only">{c.head}</span> : c.head}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r, n) => (
                <tr key={rowKey(r, n)}>
                  {shown.map((c, i) => (
                    <td key={i} class={c.class}>
                      {c.cell(r, n)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </List>
  );
}

export interface Pager {
  /** The navigation's name ("Pages of the audit log"). */
  label: string;
  newer: string;
  older: string;
  hasNewer: boolean;
  hasOlder: boolean;
  onNewer: () => void;
  onOlder: () => void;
}

function PagerNav(p: Pager) {
  return (
    <nav class="pager" aria-label={p.label}>
      <button type="button" disabled={!p.hasNewer} onClick={p.onNewer}>
        {p.newer}
      </button>
      <button type="button" disabled={!p.hasOlder} onClick={p.onOlder}>
        {p.older}
      </button>
    </nav>
  );
}

/** The cursors of the pages seen so far (the first page has none): `older(next)` goes on, `newer()` back. */
export function useCursors() {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  return {
    cursor: cursors[cursors.length - 1] ?? null,
    hasNewer: cursors.length > 1,
    newer: () => setCursors((c) => c.slice(0, -1)),
    older: (next: string | null | undefined) => next && setCursors((c) => [...c, next]),
    reset: () => setCursors([null]),
  };
}
