// The snowflake-sdk driver and the one piece of its internals the connector reads. The build bundles
// this file (not the bare package) as dist/snowflake-sdk.js, so the driver and the result prototype
// below are the same module instances in the product as in tests.
import type * as SnowflakeSdk from 'snowflake-sdk';
import * as driverModule from 'snowflake-sdk';
import resultModule from 'snowflake-sdk/dist/lib/connection/result/result.js';

type Sdk = typeof SnowflakeSdk;
interface ResultPrototype {
  getColumns(this: { _statementTypeId?: unknown }): unknown;
}

export const sdk = ((driverModule as unknown as { default?: Sdk }).default ?? driverModule) as Sdk;

const Result = ((resultModule as unknown as { default?: { prototype: ResultPrototype } }).default ?? resultModule) as unknown as { prototype: ResultPrototype };

/**
 * The `statementTypeId` Snowflake sent with a statement's result (undefined if none). The driver
 * keeps it private on its Result (its own getNumUpdatedRows reads it there) and the statement
 * hides its result, so one public call (getColumns, which forwards to the result) is observed.
 * Synchronous: no other code runs while the prototype method is swapped.
 */
export function statementTypeIdOf(statement: { getColumns(): unknown }): number | undefined {
  const proto = Result.prototype;
  const original = proto.getColumns;
  let seen: unknown;
  proto.getColumns = function (this: { _statementTypeId?: unknown }) {
    seen = this._statementTypeId;
    return original.call(this);
  };
  try {
    statement.getColumns();
  } finally {
    proto.getColumns = original;
  }
  return typeof seen === 'number' && Number.isInteger(seen) ? seen : undefined;
}
