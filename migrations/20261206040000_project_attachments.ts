// Supporting documents of a project (证明材料, issue 22 item 3): scans of 供地批文, 规划许可证, 不动产登记 … that
// the county attaches and the city and province read (165号 四（一）: "对各地实时上报的……证明材料进行审核").
// Kept in the database as bytea, not on disk: one place for both backends (server and embedded), and a
// backup of the database holds them. The county is in the keys, as on every county-owned table (Citus).
import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('project_attachments', (t) => {
    t.bigIncrements('id', { primaryKey: false })
    t.specificType('xzqdm', 'char(6)').notNullable()
    t.bigInteger('project_id').notNullable()
    // 供地批文 | 规划许可证 | 不动产登记 | 其他 (src/domain/attachments.ts)
    t.text('category').notNullable().checkIn(['供地批文', '规划许可证', '不动产登记', '其他'])
    t.text('file_name').notNullable() // as sanitized at upload (Chinese kept)
    // found from the file's first bytes, never from what the client said
    t.text('media_type').notNullable().checkIn(['application/pdf', 'image/png', 'image/jpeg'])
    t.integer('size_bytes').notNullable()
    t.text('sha256').notNullable()
    t.text('note')
    t.binary('content').notNullable() // bytea
    t.text('uploaded_by_key').notNullable() // key prefix
    t.text('uploaded_by_name').notNullable() // the key's name at upload (the office)
    t.timestamp('uploaded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.primary(['id', 'xzqdm'])
    t.index(['xzqdm', 'project_id'])
  })
  await knex.raw('ALTER TABLE project_attachments ADD CONSTRAINT project_attachments_size_positive CHECK (size_bytes > 0)')
  await knex.raw(
    `ALTER TABLE project_attachments ADD CONSTRAINT project_attachments_project_id_county_fk FOREIGN KEY (xzqdm, project_id)
       REFERENCES projects (xzqdm, id) ON DELETE CASCADE`,
  )
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('project_attachments')
}
