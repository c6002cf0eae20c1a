// A binary min-heap keyed by time. Hand-written because it is 40 lines and the
// scheduler needs in-place removal by key, which the small heap packages lack.

export interface HeapItem {
  key: string;
  at: number;
}

export class TimeHeap<T extends HeapItem> {
  private items: T[] = [];
  private index = new Map<string, number>();

  get size(): number {
    return this.items.length;
  }
  peek(): T | undefined {
    return this.items[0];
  }
  has(key: string): boolean {
    return this.index.has(key);
  }
  push(item: T): void {
    this.remove(item.key);
    this.items.push(item);
    this.index.set(item.key, this.items.length - 1);
    this.up(this.items.length - 1);
  }
  pop(): T | undefined {
    const top = this.items[0];
    if (top) this.remove(top.key);
    return top;
  }
  remove(key: string): T | undefined {
    const i = this.index.get(key);
    if (i === undefined) return undefined;
    const item = this.items[i]!;
    const last = this.items.pop()!;
    this.index.delete(key);
    if (i < this.items.length) {
      this.items[i] = last;
      this.index.set(last.key, i);
      this.down(i);
      this.up(i);
    }
    return item;
  }
  private swap(a: number, b: number): void {
    const x = this.items[a]!;
    const y = this.items[b]!;
    this.items[a] = y;
    this.items[b] = x;
    this.index.set(y.key, a);
    this.index.set(x.key, b);
  }
  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.items[p]!.at <= this.items[i]!.at) break;
      this.swap(i, p);
      i = p;
    }
  }
  private down(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.items.length && this.items[l]!.at < this.items[m]!.at) m = l;
      if (r < this.items.length && this.items[r]!.at < this.items[m]!.at) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}
