// Who did something, by name: the stored rows keep the key's prefix (lr_Ab3dEf9h, what the audit
// log has always recorded) or a person's account as @username; a person reads the key's name or the
// officer's display name. This is the one place that turns such a column into a name.
import type { Knex } from 'knex'

/**
 * `(SELECT name …)` of the key whose prefix is in `column`, for a select list. `column` must be
 * qualified with its table or alias (`datasets.imported_by`): api_keys has a `created_by` of its own,
 * which an unqualified name would mean. Null for none and for an actor that is no key ('bootstrap',
 * 'import:12').
 */
export const actorNameOf = (knex: Knex, column: `${string}.${string}`) =>
  knex.raw(
    `(SELECT coalesce((SELECT k.name FROM api_keys k WHERE k.prefix = ??),
                      (SELECT a.display_name FROM accounts a WHERE '@' || a.username = ??)))`,
    [column, column],
  )
