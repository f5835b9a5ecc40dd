/**
 * FP-growth: every itemset contained in at least `minCount` baskets, up to `maxLength` items.
 *
 * Han, J., Pei, J. & Yin, Y. (2000). "Mining frequent patterns without candidate generation."
 * Proc. ACM SIGMOD 2000, 1–12. doi:10.1145/342009.335372
 *
 * Items are recoded by descending frequency (infrequent ones dropped), so common prefixes of
 * baskets share the top of the tree. The FP-tree lives in typed-array columns (item, count,
 * parent, first child, next sibling, node link) of one arena; the header table of each tree
 * (first node of each item's link chain, and the item's count in the tree) lives on an int stack.
 * Conditional trees are built and dropped depth-first, so both the arena and the stack are used
 * as stacks: a conditional tree is freed by resetting the top. Nothing is allocated per itemset
 * but the output.
 *
 * Conditional trees keep the global frequency order (no re-sorting per tree): a path read
 * upwards from a node is then already in descending rank, and the count of an item in the
 * conditional tree equals its count in the conditional pattern base, so the header counts are
 * known before the tree is built.
 */

/** Frequent itemsets in flat form. Itemset s holds `items[offsets[s] .. offsets[s+1])`, ascending. */
export interface FlatItemsets {
  readonly size: number;
  readonly offsets: Int32Array;
  readonly items: Int32Array;
  readonly counts: Int32Array;
}

/** The transactions as the miner reads them: CSR rows of item indices (values are ignored). */
export interface Transactions {
  readonly rows: number;
  readonly cols: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
}

const NONE = -1;

/**
 * Mines all itemsets of 1..maxLength items contained in at least `minCount` (≥ 1) rows.
 * Rows must hold distinct item indices in 0..cols-1 (checked by the caller).
 */
export function fpGrowth(tx: Transactions, minCount: number, maxLength: number): FlatItemsets {
  const { rows, cols, indptr, indices } = tx;
  const nnz = indptr[rows] as number;

  // 1. Item counts; frequent items ranked by count desc, then item index (deterministic ties).
  const itemCount = new Int32Array(cols);
  for (let k = indptr[0] as number; k < nnz; k++) itemCount[indices[k]!]!++;
  const frequent: number[] = [];
  for (let i = 0; i < cols; i++) if ((itemCount[i] as number) >= minCount) frequent.push(i);
  frequent.sort((a, b) => (itemCount[b] as number) - (itemCount[a] as number) || a - b);
  const ranks = frequent.length;
  const itemOfRank = Int32Array.from(frequent);
  const rankOf = new Int32Array(cols).fill(NONE);
  for (let r = 0; r < ranks; r++) rankOf[itemOfRank[r]!] = r;

  const miner = new Miner(itemOfRank, minCount, Math.min(maxLength, ranks), nnz);
  if (ranks === 0) return miner.output();

  // 2. The global FP-tree: each row's frequent items by ascending rank, inserted from the root.
  const head = miner.pushHeader(ranks);
  const root = miner.newNode(NONE, NONE);
  const path = new Int32Array(ranks);
  for (let r = 0; r < rows; r++) {
    let len = 0;
    for (let k = indptr[r] as number, end = indptr[r + 1] as number; k < end; k++) {
      const rank = rankOf[indices[k]!] as number;
      if (rank === NONE) continue;
      // insertion sort: rows are short (tens of items)
      let p = len++;
      while (p > 0 && (path[p - 1] as number) > rank) {
        path[p] = path[p - 1] as number;
        p--;
      }
      path[p] = rank;
    }
    if (len > 0) miner.insert(root, head, path, len, 1);
  }
  for (let r = 0; r < ranks; r++) miner.header[head + ranks + r] = itemCount[itemOfRank[r]!] as number;

  // 3. Mine it.
  miner.mine(root, head, ranks, 0);
  return miner.output();
}

/**
 * The arena, the header stack, the current prefix and the output. Header of a tree spanning
 * ranks 0..span-1 at stack offset h: `header[h + r]` = first node of rank r (or NONE),
 * `header[h + span + r]` = count of rank r in the tree (0 when absent or infrequent).
 */
class Miner {
  // arena columns (grown together)
  item: Int32Array;
  count: Int32Array;
  parent: Int32Array;
  child: Int32Array;
  sibling: Int32Array;
  link: Int32Array;
  top = 0;
  // header stack
  header: Int32Array;
  headerTop = 0;
  // scratch for reading a path upwards
  readonly path: Int32Array;
  // prefix (ranks) of the itemsets being grown
  readonly prefix: Int32Array;
  // output
  outItems: Int32Array;
  outOffsets: Int32Array;
  outCounts: Int32Array;
  outSize = 0;
  outLength = 0;

  constructor(
    readonly itemOfRank: Int32Array,
    readonly minCount: number,
    readonly maxLength: number,
    nnz: number,
  ) {
    const nodes = Math.max(16, nnz + 1);
    this.item = new Int32Array(nodes);
    this.count = new Int32Array(nodes);
    this.parent = new Int32Array(nodes);
    this.child = new Int32Array(nodes);
    this.sibling = new Int32Array(nodes);
    this.link = new Int32Array(nodes);
    this.header = new Int32Array(Math.max(16, 4 * itemOfRank.length));
    this.path = new Int32Array(itemOfRank.length);
    this.prefix = new Int32Array(Math.max(1, maxLength));
    const guess = Math.max(16, 4 * itemOfRank.length);
    this.outItems = new Int32Array(guess * 2);
    this.outOffsets = new Int32Array(guess + 1);
    this.outCounts = new Int32Array(guess);
  }

  /** Reserves room for `n` more nodes (so column references stay valid while a tree is built). */
  reserve(n: number): void {
    const need = this.top + n;
    if (need <= this.item.length) return;
    const size = Math.max(need, this.item.length * 2);
    const grow = (a: Int32Array): Int32Array => {
      const b = new Int32Array(size);
      b.set(a.subarray(0, this.top));
      return b;
    };
    this.item = grow(this.item);
    this.count = grow(this.count);
    this.parent = grow(this.parent);
    this.child = grow(this.child);
    this.sibling = grow(this.sibling);
    this.link = grow(this.link);
  }

  newNode(item: number, parent: number): number {
    this.reserve(1);
    const n = this.top++;
    this.item[n] = item;
    this.count[n] = 0;
    this.parent[n] = parent;
    this.child[n] = NONE;
    this.sibling[n] = NONE;
    this.link[n] = NONE;
    return n;
  }

  /** Pushes a header for ranks 0..span-1: no nodes, zero counts. Returns its offset. */
  pushHeader(span: number): number {
    const need = this.headerTop + 2 * span;
    if (need > this.header.length) {
      const next = new Int32Array(Math.max(need, this.header.length * 2));
      next.set(this.header.subarray(0, this.headerTop));
      this.header = next;
    }
    const h = this.headerTop;
    this.header.fill(NONE, h, h + span);
    this.header.fill(0, h + span, h + 2 * span);
    this.headerTop = need;
    return h;
  }

  /**
   * Adds a path of ascending ranks with weight `w` below `root`. Counts per rank in the header are
   * not touched (the caller knows them). The caller has reserved `len` nodes.
   */
  insert(root: number, head: number, path: Int32Array, len: number, w: number): void {
    this.reserve(len);
    const { item, count, parent, child, sibling, link, header } = this;
    let node = root;
    for (let i = 0; i < len; i++) {
      const r = path[i] as number;
      let c = child[node] as number;
      while (c !== NONE && item[c] !== r) c = sibling[c] as number;
      if (c === NONE) {
        c = this.top++;
        item[c] = r;
        count[c] = 0;
        parent[c] = node;
        child[c] = NONE;
        sibling[c] = child[node] as number;
        child[node] = c;
        link[c] = header[head + r] as number;
        header[head + r] = c;
      }
      count[c]! += w;
      node = c;
    }
  }

  /** Emits prefix[0..depth) ∪ … as an itemset of `length` items with count `n`. */
  emit(length: number, n: number): void {
    if (this.outSize + 1 >= this.outOffsets.length) {
      const cap = this.outOffsets.length * 2;
      const offsets = new Int32Array(cap);
      offsets.set(this.outOffsets);
      this.outOffsets = offsets;
      const counts = new Int32Array(cap);
      counts.set(this.outCounts);
      this.outCounts = counts;
    }
    if (this.outLength + length > this.outItems.length) {
      const items = new Int32Array(Math.max(this.outLength + length, this.outItems.length * 2));
      items.set(this.outItems.subarray(0, this.outLength));
      this.outItems = items;
    }
    const out = this.outItems;
    const start = this.outLength;
    // original item indices, ascending (insertion sort: itemsets are short)
    for (let i = 0; i < length; i++) {
      const v = this.itemOfRank[this.prefix[i]!] as number;
      let p = start + i;
      while (p > start && (out[p - 1] as number) > v) {
        out[p] = out[p - 1] as number;
        p--;
      }
      out[p] = v;
    }
    this.outLength += length;
    this.outCounts[this.outSize] = n;
    this.outSize++;
    this.outOffsets[this.outSize] = this.outLength;
  }

  /**
   * Mines the tree at `root` (header at `head`, ranks 0..span-1) whose itemsets all extend the
   * prefix of `depth` items: for each rank r, emits prefix ∪ {r}, then builds the conditional tree
   * of r from r's conditional pattern base (the paths above r's nodes) and recurses into it.
   */
  mine(root: number, head: number, span: number, depth: number): void {
    const { minCount } = this;
    for (let r = span - 1; r >= 0; r--) {
      const n = this.header[head + span + r] as number;
      if (n < minCount) continue;
      this.prefix[depth] = r;
      this.emit(depth + 1, n);
      if (depth + 1 >= this.maxLength || r === 0) continue;

      // Conditional pattern base of r: count the ranks above r's nodes (weighted by the nodes'
      // counts), and the number of nodes the conditional tree can need.
      const cond = this.pushHeader(r);
      let { header } = this;
      const { count, parent, item, link } = this;
      let bound = 1;
      let any = false;
      for (let x = header[head + r] as number; x !== NONE; x = link[x] as number) {
        const w = count[x] as number;
        for (let p = parent[x] as number; p !== root; p = parent[p] as number) {
          header[cond + r + item[p]!]! += w;
          bound++;
        }
      }
      for (let q = cond + r, end = cond + 2 * r; q < end; q++) {
        if ((header[q] as number) < minCount) header[q] = 0;
        else any = true;
      }
      if (any) {
        this.reserve(bound);
        const mark = this.top;
        const condRoot = this.newNode(NONE, NONE);
        const nodes = this.item;
        const parents = this.parent;
        const counts = this.count;
        const links = this.link;
        header = this.header;
        const path = this.path;
        for (let x = header[head + r] as number; x !== NONE; x = links[x] as number) {
          // read upwards (descending rank), store from the end so the path ascends
          let len = 0;
          for (let p = parents[x] as number; p !== root; p = parents[p] as number) {
            if ((header[cond + r + nodes[p]!] as number) > 0) path[len++] = nodes[p] as number;
          }
          if (len === 0) continue;
          for (let i = 0, j = len - 1; i < j; i++, j--) {
            const t = path[i] as number;
            path[i] = path[j] as number;
            path[j] = t;
          }
          this.insert(condRoot, cond, path, len, counts[x] as number);
        }
        this.mine(condRoot, cond, r, depth + 1);
        this.top = mark;
      }
      this.headerTop = cond;
    }
  }

  output(): FlatItemsets {
    return {
      size: this.outSize,
      offsets: this.outOffsets.slice(0, this.outSize + 1),
      items: this.outItems.slice(0, this.outLength),
      counts: this.outCounts.slice(0, this.outSize),
    };
  }
}
