// A windowed list: only the rows in (or near) the viewport are in the DOM, so ten thousand monitors
// cost as much to draw as thirty. Rows have one fixed height; the list scrolls with the page.
import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';

const OVERSCAN = 8;

export function VirtualList<I>(props: {
  items: readonly I[];
  rowHeight: number;
  render: (item: I, index: number) => ComponentChildren;
  label: string;
  itemKey: (item: I) => string;
  /** Whether arrow keys stop on this item (group headings are passed over). */
  focusable?: (item: I) => boolean;
}) {
  const { items, rowHeight } = props;
  const box = useRef<HTMLUListElement>(null);
  const [range, setRange] = useState<[number, number]>([0, 40]);

  const measure = () => {
    const el = box.current;
    if (!el) return;
    const top = el.getBoundingClientRect().top;
    const first = Math.floor(Math.max(0, -top) / rowHeight);
    const count = Math.ceil(window.innerHeight / rowHeight);
    const next: [number, number] = [Math.max(0, first - OVERSCAN), Math.min(items.length, first + count + OVERSCAN)];
    setRange((r) => (r[0] === next[0] && r[1] === next[1] ? r : next));
  };

  useLayoutEffect(measure, [items.length, rowHeight]);
  useEffect(() => {
    let frame = 0;
    const on = () => {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        measure();
      });
    };
    window.addEventListener('scroll', on, { passive: true });
    window.addEventListener('resize', on);
    return () => {
      window.removeEventListener('scroll', on);
      window.removeEventListener('resize', on);
      if (frame) cancelAnimationFrame(frame);
    };
  }, [items.length, rowHeight]);

  // Tab leaves the list after the rows drawn; arrows walk all of it (Home/End to its ends), drawing
  // and focusing the row they reach.
  const onKey = (e: KeyboardEvent) => {
    const li = (e.target as HTMLElement).closest('li[data-index]');
    if (!li || !['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(e.key)) return;
    e.preventDefault();
    const from = Number(li.getAttribute('data-index'));
    const step = e.key === 'ArrowUp' || e.key === 'End' ? -1 : 1;
    let i = e.key === 'Home' ? 0 : e.key === 'End' ? items.length - 1 : from + step;
    const focusable = (n: number) => props.focusable?.(items[n]!) ?? true;
    while (i >= 0 && i < items.length && !focusable(i)) i += e.key === 'Home' ? 1 : step;
    if (i < 0 || i >= items.length) return;
    const el = box.current!;
    const top = el.getBoundingClientRect().top + window.scrollY + i * rowHeight;
    if (top < window.scrollY + rowHeight || top > window.scrollY + window.innerHeight - 2 * rowHeight) window.scrollTo(0, top - window.innerHeight / 3);
    measure();
    requestAnimationFrame(() => box.current?.querySelector<HTMLElement>(`li[data-index="${i}"] a`)?.focus({ preventScroll: true }));
  };

  const rows: ComponentChildren[] = [];
  for (let i = range[0]; i < Math.min(range[1], items.length); i++) {
    const item = items[i]!;
    rows.push(
      <li key={props.itemKey(item)} class="vrow" style={{ transform: `translateY(${i * rowHeight}px)`, height: `${rowHeight}px` }} aria-setsize={items.length} aria-posinset={i + 1} data-index={i}>
        {props.render(item, i)}
      </li>,
    );
  }
  return (
    <ul ref={box} class="vlist" aria-label={props.label} style={{ height: `${items.length * rowHeight}px` }} onKeyDown={onKey}>
      {rows}
    </ul>
  );
}
