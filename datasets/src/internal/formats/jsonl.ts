import { eventTypeCode, validateEvent } from '@encore/core';
import type { FormatSpec } from '../format-spec.js';

/**
 * One JSON event per line, validated with core's `validateEvent` and `options.timeRange` (its reason
 * becomes the rejection reason).
 */
export const JSONL: FormatSpec = {
  what: 'a JSON Lines event file',
  encoding: 'utf8',
  countKeys: [],
  skipKeys: [],
  create({ sink, tally, options }) {
    const validation = { timeRange: options.timeRange };
    return {
      line(line, lineNo) {
        let raw: unknown;
        try {
          raw = JSON.parse(line);
        } catch (error) {
          return tally.reject(lineNo, `invalid JSON (${(error as Error).message}), expected one JSON object per line`);
        }
        const result = validateEvent(raw, validation);
        if (!result.ok) return tally.reject(lineNo, result.error.reason);
        const event = result.value;
        sink.add(eventTypeCode(event.type), event.timestamp, event);
        tally.accept();
      },
      async finish() {
        return { catalog: new Map() };
      },
    };
  },
};
