// Foundation schema: layer versions, one table per layer kind, projects and the service's own tables.
// Every spatial table is in CGCS2000 geographic (EPSG:4490) with a GiST index and a 6-digit county
// code (xzqdm), so the schema can later be distributed by county.
import type { Knex } from 'knex'

type Cols = (t: Knex.CreateTableBuilder) => void

const surveyPatchCommon: Cols = (t) => {
  t.bigInteger('bsm') // 标识码
  t.text('tbbh') // 图斑编号
  t.text('dlbm') // 地类编码
  t.text('dlmc') // 地类名称
  t.text('qsxz') // 权属性质
  t.text('qsdwdm') // 权属单位代码
  t.text('qsdwmc')
  t.text('zldwdm') // 坐落单位代码
  t.text('zldwmc')
  t.double('tbmj') // 图斑面积 (official, never overwritten)
  t.double('tbdlmj') // 图斑地类面积
}

/** layer tables: name, geometry type, typed columns */
const layerTables: Array<[string, 'MultiPolygon' | 'MultiLineString', Cols]> = [
  [
    'survey3_patches',
    'MultiPolygon',
    (t) => {
      surveyPatchCommon(t)
      t.text('kcdlbm') // 扣除地类编码
      t.double('kcxs') // 扣除系数
      t.double('kcmj') // 扣除面积
      t.text('czcsxm') // 城镇村属性码
      t.text('gdlx')
    },
  ],
  [
    'survey2_patches',
    'MultiPolygon',
    (t) => {
      surveyPatchCommon(t)
      t.double('xzdwmj') // 线状地物面积
      t.double('lxdwmj') // 零星地物面积
      t.double('tkxs') // 田坎系数
      t.double('tkmj') // 田坎面积
    },
  ],
  [
    'survey2_lines',
    'MultiLineString',
    (t) => {
      t.bigInteger('bsm')
      t.text('dlbm')
      t.text('dlmc')
      t.double('cd') // 长度
      t.double('kd') // 宽度
      t.double('xzdwmj')
      t.double('kcbl') // 扣除比例
      t.text('kctbbh1')
      t.text('kctbdwdm1')
      t.text('kctbbh2')
      t.text('kctbdwdm2')
    },
  ],
  [
    'buildings',
    'MultiPolygon',
    (t) => {
      t.text('building_type') // 建筑类型 (堆场, 临时建筑 … are excluded from the footprint)
      t.text('name')
      t.integer('floors')
    },
  ],
  [
    'approved_unsupplied',
    'MultiPolygon',
    (t) => {
      t.text('approval_no') // 批准文号
      t.text('name')
      t.date('approved_on')
    },
  ],
  [
    'idle_land',
    'MultiPolygon',
    (t) => {
      t.text('code')
      t.text('name')
      t.date('identified_on')
    },
  ],
  [
    'plan_zones',
    'MultiPolygon',
    (t) => {
      t.text('zone_code') // 规划分区/用途代码
      t.text('zone_name')
      t.boolean('permitted').notNullable().defaultTo(true)
    },
  ],
  [
    'admin_divisions',
    'MultiPolygon',
    (t) => {
      t.text('code') // 行政区代码 at any level (county, town)
      t.text('name')
      t.text('level')
    },
  ],
  [
    'project_boundaries',
    'MultiPolygon',
    (t) => {
      t.text('project_code') // 项目编号 XMBH
      t.text('project_name') // 项目名称 XMMC
      t.text('development_mode') // 开发模式 KFMS
    },
  ],
  [
    'low_efficiency_plots',
    'MultiPolygon',
    (t) => {
      t.text('plot_code') // 图斑编号
      t.text('plot_name')
      t.text('category') // 低效用地类型
      t.text('zldwdm')
      t.text('qsdwdm')
    },
  ],
]

const county = (t: Knex.CreateTableBuilder) => t.specificType('xzqdm', 'char(6)').notNullable()
const countyCheck = (table: string) => `ALTER TABLE ${table} ADD CONSTRAINT ${table}_xzqdm_format CHECK (xzqdm ~ '^[0-9]{6}$')`

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE EXTENSION IF NOT EXISTS postgis')

  await knex.schema.createTable('api_keys', (t) => {
    t.increments('id')
    t.text('prefix').notNullable().unique()
    t.text('key_hash').notNullable().unique() // SHA-256 of the whole key, hex
    t.text('name').notNullable()
    t.text('role').notNullable().checkIn(['county', 'city', 'province', 'admin'])
    t.text('region') // county: 6 digits, city: 4 digits, province/admin: null
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.text('created_by')
    t.timestamp('revoked_at', { useTz: true })
    t.timestamp('last_used_at', { useTz: true })
  })
  await knex.raw(`ALTER TABLE api_keys ADD CONSTRAINT api_keys_region_fits_role CHECK (
    (role = 'county' AND region ~ '^[0-9]{6}$') OR (role = 'city' AND region ~ '^[0-9]{4}$') OR
    (role IN ('province', 'admin') AND region IS NULL))`)

  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id')
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.text('key_prefix')
    t.text('action').notNullable()
    t.text('object_type').notNullable()
    t.text('object_id')
    t.specificType('xzqdm', 'char(6)')
    t.text('result').notNullable().checkIn(['ok', 'denied', 'failed'])
    t.text('request_id')
    t.jsonb('detail')
    t.index(['at'])
    t.index(['xzqdm', 'at'])
  })

  await knex.schema.createTable('import_jobs', (t) => {
    t.increments('id')
    t.text('layer').notNullable()
    county(t)
    t.text('status').notNullable().defaultTo('queued').checkIn(['queued', 'running', 'succeeded', 'failed', 'cancelled'])
    t.double('progress').notNullable().defaultTo(0)
    t.text('source_name')
    t.text('mode').notNullable().defaultTo('replace').checkIn(['replace', 'append'])
    t.jsonb('options')
    t.jsonb('counts')
    t.jsonb('source_crs')
    t.jsonb('encoding')
    t.jsonb('warnings').notNullable().defaultTo('[]')
    t.jsonb('errors').notNullable().defaultTo('[]')
    t.integer('dataset_id')
    t.text('created_by')
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.timestamp('started_at', { useTz: true })
    t.timestamp('finished_at', { useTz: true })
  })

  await knex.schema.createTable('datasets', (t) => {
    t.increments('id')
    t.text('layer').notNullable()
    county(t)
    t.integer('version').notNullable()
    t.text('source_name')
    t.text('source_sha256')
    t.jsonb('source_crs')
    t.jsonb('encoding')
    t.integer('feature_count').notNullable().defaultTo(0)
    t.specificType('extent', 'geometry(Polygon, 4490)')
    t.text('status').notNullable().defaultTo('loading').checkIn(['loading', 'ready', 'failed'])
    t.boolean('active').notNullable().defaultTo(false)
    t.text('imported_by')
    t.timestamp('imported_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.integer('import_job_id').references('import_jobs.id').onDelete('SET NULL')
    t.unique(['layer', 'xzqdm', 'version'])
    t.index(['source_sha256'])
  })
  // At most one active version of a layer per county: the swap in a replace import relies on it.
  await knex.raw('CREATE UNIQUE INDEX datasets_one_active ON datasets (layer, xzqdm) WHERE active')
  await knex.raw(countyCheck('datasets'))
  await knex.raw(countyCheck('import_jobs'))
  await knex.raw('ALTER TABLE import_jobs ADD CONSTRAINT import_jobs_dataset_fk FOREIGN KEY (dataset_id) REFERENCES datasets (id) ON DELETE SET NULL')

  for (const [table, geomType, cols] of layerTables) {
    await knex.schema.createTable(table, (t) => {
      t.bigIncrements('id')
      t.integer('dataset_id').notNullable().references('datasets.id').onDelete('CASCADE')
      county(t)
      t.integer('source_record') // 1-based record number in the source file
      cols(t)
      t.jsonb('attrs').notNullable().defaultTo('{}') // every source attribute, Chinese names kept
      t.specificType('geom', `geometry(${geomType}, 4490)`) // null shapes are kept as rows
      t.index(['dataset_id'])
      t.index(['xzqdm'])
    })
    await knex.raw(`CREATE INDEX ${table}_geom_gist ON ${table} USING gist (geom)`)
    await knex.raw(countyCheck(table))
  }

  await knex.schema.createTable('projects', (t) => {
    t.increments('id')
    county(t)
    t.text('code').notNullable() // 项目编号
    t.text('name')
    t.specificType('geom', 'geometry(MultiPolygon, 4490)').notNullable()
    t.integer('source_dataset_id').references('datasets.id').onDelete('SET NULL')
    t.text('development_mode') // 开发模式: 政府收储 / 原土地使用权人 / 农村集体经济组织 / 市场主体
    t.text('approach').notNullable().defaultTo('default') // default / retreat-secondary 退二进三 / plot-ratio-increase
    t.double('changed_use_floor_area')
    t.double('added_floor_area')
    t.double('new_plot_ratio')
    t.boolean('ownership_clear')
    t.boolean('seized')
    t.boolean('mortgaged')
    t.boolean('mortgagee_consent')
    t.text('milestone_type')
    t.date('milestone_date')
    t.text('status').notNullable().defaultTo('draft')
    t.jsonb('attrs').notNullable().defaultTo('{}')
    t.jsonb('repairs') // what was repaired in the boundary, if anything
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.unique(['xzqdm', 'code'])
    t.index(['updated_at', 'id'])
  })
  await knex.raw('CREATE INDEX projects_geom_gist ON projects USING gist (geom)')
  await knex.raw(countyCheck('projects'))

  await knex.schema.createTable('analysis_results', (t) => {
    t.increments('id')
    t.integer('project_id').notNullable().references('projects.id').onDelete('CASCADE')
    county(t)
    t.jsonb('inputs').notNullable() // dataset version of every layer used
    t.jsonb('result').notNullable()
    t.boolean('eligible')
    t.boolean('stale').notNullable().defaultTo(false)
    t.timestamp('computed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.index(['project_id', 'computed_at'])
    t.index(['xzqdm'])
  })

  await knex.schema.createTable('county_stats', (t) => {
    county(t)
    t.integer('year').notNullable()
    t.bigInteger('population')
    t.double('urban_rural_construction_land_m2') // 城乡建设用地面积
    t.text('land_source') // given | computed
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.primary(['xzqdm', 'year'])
  })
  await knex.raw(countyCheck('county_stats'))
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['county_stats', 'analysis_results', 'projects']) await knex.schema.dropTableIfExists(table)
  for (const [table] of [...layerTables].reverse()) await knex.schema.dropTableIfExists(table)
  await knex.raw('ALTER TABLE IF EXISTS import_jobs DROP CONSTRAINT IF EXISTS import_jobs_dataset_fk')
  for (const table of ['datasets', 'import_jobs', 'audit_log', 'api_keys']) await knex.schema.dropTableIfExists(table)
  // The postgis extension stays: other schemas in the database may use it.
}
