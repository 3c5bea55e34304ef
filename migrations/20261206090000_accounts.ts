// Named accounts for people (issue 25): officers sign in with a user name and password; the service keeps
// the session server-side, so disabling an account or signing out ends it at once. API keys stay for
// machines. An account carries the same office as a key: a role and a region.
// On Citus both tables are reference tables like api_keys (docs/scale-out.md): small, read on every request.
import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('accounts', (t) => {
    t.increments('id')
    t.text('username').notNullable().unique()
    t.text('display_name').notNullable()
    t.text('role').notNullable().checkIn(['county', 'city', 'province', 'admin'])
    t.text('region')
    // scrypt$N$r$p$salt$hash (base64), src/auth/passwords.ts
    t.text('password_hash').notNullable()
    t.boolean('must_change_password').notNullable().defaultTo(false)
    t.timestamp('password_changed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.text('created_by')
    t.timestamp('disabled_at', { useTz: true })
    t.timestamp('last_sign_in_at', { useTz: true })
  })
  await knex.raw(`ALTER TABLE accounts ADD CONSTRAINT accounts_region_fits_role CHECK (
    (role = 'county' AND region ~ '^[0-9]{6}$') OR (role = 'city' AND region ~ '^[0-9]{4}$') OR
    (role IN ('province', 'admin') AND region IS NULL))`)
  await knex.raw(`ALTER TABLE accounts ADD CONSTRAINT accounts_username_format CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,63}$')`)

  await knex.schema.createTable('account_sessions', (t) => {
    // SHA-256 of the cookie's token (hex): a copy of the table does not give anyone a session.
    t.text('token_hash').primary()
    t.integer('account_id').notNullable().references('id').inTable('accounts').onDelete('CASCADE')
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.timestamp('expires_at', { useTz: true }).notNullable()
    t.timestamp('ended_at', { useTz: true })
    t.text('ended_reason')
    t.text('address')
    t.text('user_agent')
  })
  await knex.raw('CREATE INDEX account_sessions_account ON account_sessions (account_id) WHERE ended_at IS NULL')
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('account_sessions')
  await knex.schema.dropTableIfExists('accounts')
}
