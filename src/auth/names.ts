// Who did something, by name: the stored rows keep the key's prefix (lr_Ab3dEf9h, what the audit
// log has always recorded); a person reads the key's name (later, an account's display name). This
// is the one place that turns a prefix column into a name.
import type { Knex } from 'knex'

/**
 * `(SELECT name …)` of the key whose prefix is in `column`, for a select list. `column` must be
 * qualified with its table or alias (`datasets.imported_by`): api_keys has a `created_by` of its own,
 * which an unqualified name would mean. Null for none and for an actor that is no key ('bootstrap',
 * 'import:12').
 */
export const actorNameOf = (knex: Knex, column: `${string}.${string}`) => knex.raw('(SELECT k.name FROM api_keys k WHERE k.prefix = ??)', [column])
