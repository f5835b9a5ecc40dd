import {
  type CacheStore,
  type ListId,
  type ModelMetadata,
  type PublishOptions,
  type PublishResult,
  publishVersion,
  type RankedItems,
} from '@encore/cache';
import { checkOptions } from '@encore/core';
import { listValue, type ServedList, type ServingModels } from '@encore/models';

/** What a publish writes: any of the kinds, each as [id, value] pairs. */
export interface PublishContent {
  /** Customer id → their list (may stream from a scoring job). */
  readonly recommendations?:
    | Iterable<readonly [string, RankedItems]>
    | AsyncIterable<readonly [string, RankedItems]>
    | undefined;
  /** Item id → what goes with it. */
  readonly together?: Iterable<readonly [string, RankedItems]> | undefined;
  /** Curated lists, overall or per category. */
  readonly lists?: Iterable<readonly [ListId, RankedItems]> | undefined;
  /** Metadata of the models behind the version. */
  readonly models?: Iterable<readonly [string, ModelMetadata]> | undefined;
}

/**
 * Publishes a new version of `namespace` in `store`: everything in `content` is written under the
 * new version, then the pointer switches at once, so readers see all of the old version or all of
 * the new one (see @encore/cache's publishVersion). The caller retries: rejects with the cache's
 * error (CACHE_CONFLICT when another job is publishing, IO_ERROR when the store fails), with
 * INVALID_ARGUMENT for content of unknown kinds, and with the signal's reason (the current version
 * then stays).
 *
 * @example
 * await publishContent(store, 'shop-1', { lists: curatedPublication(serving), together: togetherPublication(serving) });
 */
export async function publishContent(
  store: CacheStore,
  namespace: string,
  content: PublishContent,
  options: Partial<PublishOptions> & { readonly signal?: AbortSignal | undefined } = {},
): Promise<PublishResult> {
  const where = 'jobs/publishContent';
  const c = checkOptions(
    where,
    content,
    ['recommendations', 'together', 'lists', 'models'],
    'content',
  ) as PublishContent;
  const { signal, ...publish } = options;
  return publishVersion(
    store,
    namespace,
    async (writer) => {
      const recommendations = c.recommendations;
      if (recommendations !== undefined && Symbol.asyncIterator in recommendations) {
        for await (const [id, value] of recommendations) {
          signal?.throwIfAborted();
          await writer.put('recommendations', id, value);
        }
      } else if (recommendations !== undefined) {
        await writer.putMany('recommendations', recommendations as Iterable<[string, RankedItems]>);
      }
      signal?.throwIfAborted();
      if (c.together !== undefined) await writer.putMany('together', c.together as Iterable<[string, RankedItems]>);
      if (c.lists !== undefined) await writer.putMany('list', c.lists as Iterable<[ListId, RankedItems]>);
      if (c.models !== undefined) await writer.putMany('model', c.models as Iterable<[string, ModelMetadata]>);
      signal?.throwIfAborted();
    },
    publish,
  );
}

/** A served list as a cached value: ids, scores and each item's explanation. */
export function rankedOf(list: ServedList): RankedItems {
  return listValue(list.items);
}

/** Every curated list of the serving models' shelf, overall and per category, as publish content. */
export function curatedPublication(serving: ServingModels, k = 100): [ListId, RankedItems][] {
  const shelf = serving.models.shelf;
  if (shelf === undefined) return [];
  const out: [ListId, RankedItems][] = [];
  for (const l of shelf.lists) {
    const list = serving.list(l.name, { k, category: l.category });
    if (list === undefined) continue;
    out.push([l.category === undefined ? { name: l.name } : { name: l.name, category: l.category }, rankedOf(list)]);
  }
  return out;
}

/** What goes with each item of the co-occurrence model (items without neighbours are left out). */
export function* togetherPublication(serving: ServingModels, k = 20): Generator<[string, RankedItems]> {
  const model = serving.models.cooccurrence;
  if (model === undefined) return;
  for (const item of model.itemIds) {
    const list = serving.together([item], { k });
    if (list.items.length > 0) yield [item, rankedOf(list)];
  }
}
