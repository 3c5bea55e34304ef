// Issue 21, rewards (165号 一、四（二）（三）):
// - a layer version may carry the year of the survey it holds (年度变更调查: survey_year), given with
//   the import or read from the delivery's SJNF, so the per-capita figure of year Y is measured on Y's survey;
// - county statistics record where the population comes from (常住人口 or 户籍人口, its year, its publisher);
// - the province's reward table of a year can be frozen ("每年初……提取"): reward_extractions keeps each
//   extraction whole, numbered per year. It belongs to no county (the province's table of every county):
//   on Citus a reference table like api_keys (docs/scale-out.md), so it has no xzqdm.
import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('datasets', (t) => {
    t.smallint('survey_year') // 调查年度 of a survey delivery (third survey: 2019; 年度变更调查: its year)
    t.text('survey_year_source').checkIn(['given', 'sjnf']) // given: by the importer (form or PATCH); sjnf: the file's 数据年份
  })
  await knex.schema.alterTable('county_stats', (t) => {
    t.text('population_kind').checkIn(['resident', 'registered']) // 常住人口 | 户籍人口
    t.integer('population_year') // the year the population figure is of (年末)
    t.text('population_publisher') // e.g. 山东统计年鉴2025, 某县2024年国民经济和社会发展统计公报
  })
  await knex.schema.createTable('reward_extractions', (t) => {
    t.bigIncrements('id')
    t.integer('year').notNullable() // the reward year whose table this is (issued in year + 1)
    t.integer('number').notNullable() // 1, 2 … within the year; the highest is the year's table
    t.integer('schema_version').notNullable()
    t.jsonb('report').notNullable() // the whole table as it was read at extraction
    t.jsonb('inputs').notNullable() // what it was computed from: analyses, layer versions, statistics, findings
    t.text('reason') // why a further extraction replaced the earlier one (required from the second on)
    t.text('extracted_by').notNullable() // key prefix
    t.timestamp('extracted_at', { useTz: true }).notNullable().defaultTo(knex.fn.now())
    t.unique(['year', 'number'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('reward_extractions')
  await knex.schema.alterTable('county_stats', (t) => {
    for (const c of ['population_publisher', 'population_year', 'population_kind']) t.dropColumn(c)
  })
  await knex.schema.alterTable('datasets', (t) => {
    for (const c of ['survey_year_source', 'survey_year']) t.dropColumn(c)
  })
}
