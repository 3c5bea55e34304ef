// The evidence of a completion milestone (165号 三（一）–（三）: 土地供应、不动产转移登记、建设用地／建设工程规划许可
// 证明材料) is kept with the milestone, the proposal made after approval and each step of its review;
// the area the evidence states (提供证明材料中面积) is kept on the project for the 15–30 亩 rule; the city's
// field check (外业核查, 165号 四（一）) is kept with its check transition. New nullable columns only: no
// key changes, so the tables stay distributable by county as they are (Citus).
import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('projects', (t) => {
    // documents as src/schemas/projects.ts MilestoneEvidence says; null: none recorded
    t.jsonb('milestone_evidence')
    t.jsonb('milestone_pending_evidence')
    t.double('evidence_area_m2')
  })
  await knex.raw('ALTER TABLE projects ADD CONSTRAINT projects_evidence_area_positive CHECK (evidence_area_m2 > 0)')
  await knex.schema.alterTable('milestone_reviews', (t) => {
    t.jsonb('milestone_evidence')
  })
  await knex.schema.alterTable('project_transitions', (t) => {
    t.date('field_check_date')
    t.text('field_check_by') // the people who went, as the city writes them
    t.text('field_check_findings')
    t.text('field_check_result').checkIn(['consistent', 'inconsistent'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('project_transitions', (t) => {
    for (const c of ['field_check_result', 'field_check_findings', 'field_check_by', 'field_check_date']) t.dropColumn(c)
  })
  await knex.schema.alterTable('milestone_reviews', (t) => t.dropColumn('milestone_evidence'))
  await knex.raw('ALTER TABLE projects DROP CONSTRAINT projects_evidence_area_positive')
  await knex.schema.alterTable('projects', (t) => {
    for (const c of ['evidence_area_m2', 'milestone_pending_evidence', 'milestone_evidence']) t.dropColumn(c)
  })
}
