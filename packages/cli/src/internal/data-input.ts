import type { EventType } from '@encore/core';
import { type DataFormat, parseColumnMapping } from '@encore/datasets';
import type { DataInput } from '@encore/jobs';

/** The flags that say how a data file is read: its path, format and csv mapping. */
export interface DataFlags {
  readonly data: string;
  readonly format: DataFormat;
  readonly strict: boolean;
  readonly columns: string | undefined;
  readonly type: EventType | undefined;
}

/**
 * A job's DataInput from the command's flags: `--columns` parsed (INVALID_ARGUMENT naming the
 * pair when it is malformed), `--type` as given.
 *
 * @example
 * dataInput({ data: 'ratings.csv', format: 'csv', strict: false, columns: 'userId=user,itemId=movie', type: 'rate' });
 */
export function dataInput(flags: DataFlags): DataInput {
  return {
    path: flags.data,
    format: flags.format,
    strict: flags.strict,
    ...(flags.columns === undefined ? {} : { columns: parseColumnMapping(flags.columns) }),
    ...(flags.type === undefined ? {} : { type: flags.type }),
  };
}
