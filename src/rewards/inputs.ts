// What a reward table was computed from, as an extraction records it (165号 四（二）: 每年初提取, issue 21):
// each project read (the year's, those of earlier years whose land was taken off, those of the findings)
// with the analysis the province approved and the layer versions that analysis used; the statistics
// rows with when they were last written and the survey version their land was measured on; the
// findings and the unconfirmed milestones. Enough to say, years later, which data made the table.
import type * as q from './queries.js'
import { landSurveyOf, populationSourceOf } from './stats-view.js'

type ProjectRow = Partial<q.RewardProjectRow>

const layersOf = (inputs: ProjectRow['approved_inputs']) =>
  Object.fromEntries(
    Object.entries(inputs ?? {})
      .filter(([, v]) => v !== null && typeof v === 'object')
      .map(([layer, v]) => [layer, { datasetId: v!.datasetId, version: v!.version }])
      .sort(([a], [b]) => (a! < b! ? -1 : 1)),
  )

const projectInput = (p: ProjectRow, role: 'year' | 'earlier' | 'finding') => ({
  id: p.id!,
  county: p.xzqdm!.trim(),
  code: p.code!,
  role,
  status: p.status!,
  milestoneDate: p.milestone_date ?? null,
  approvedResultId: p.approved_result_id ?? null,
  layers: layersOf(p.approved_inputs),
})

export function rewardInputs(o: {
  completed: q.RewardProjectRow[]
  earlier: q.RewardProjectRow[]
  findings: Awaited<ReturnType<typeof q.fraudFindingsOf>>
  unconfirmed: Awaited<ReturnType<typeof q.milestonesUnconfirmedIn>>
  statsRows: q.StatsRow[]
}) {
  const seen = new Set<number>()
  const projects: Array<ReturnType<typeof projectInput>> = []
  const add = (p: ProjectRow, role: 'year' | 'earlier' | 'finding') => {
    if (p.id == null || seen.has(p.id)) return
    seen.add(p.id)
    projects.push(projectInput(p, role))
  }
  for (const p of o.completed) add(p, 'year')
  for (const p of o.earlier) add(p, 'earlier')
  for (const f of o.findings) add(f, 'finding')
  return {
    projects,
    statistics: o.statsRows.map((s) => ({
      county: s.xzqdm.trim(),
      year: s.year,
      updatedAt: new Date(s.updated_at).toISOString(),
      population: Number(s.population),
      populationSource: populationSourceOf(s),
      urbanRuralConstructionLandM2: Number(s.urban_rural_construction_land_m2),
      landSource: s.land_source,
      landSurvey: landSurveyOf(s),
    })),
    findings: o.findings.map((f) => ({ id: f.finding_id, county: f.finding_county.trim(), projectId: f.project_id })),
    unconfirmedMilestones: o.unconfirmed.map((u) => ({ projectId: u.id, county: u.xzqdm.trim(), date: u.pending_date, stage: u.pending_stage })),
  }
}

export type RewardInputs = ReturnType<typeof rewardInputs>
