import type { Because } from '@encore/engine';

/**
 * An item's explanation for people, largest contribution first: `als ← 84879, best-sellers`
 * (the source, and the customer's item behind it when there is one); '' when there is none.
 */
export function formatBecause(because: readonly Because[] | undefined): string {
  return (because ?? []).map((b) => (b.item === undefined ? b.source : `${b.source} ← ${b.item}`)).join(', ');
}
