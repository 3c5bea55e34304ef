// Project use cases: region checks, geometry preparation, audited writes.
import type { Knex } from 'knex'
import { auditedWrite, type Actor } from '../auth/actor.js'
import { inScope, resolveCounty } from '../domain/region.js'
import { problem } from '../errors/index.js'
import { prepareAreaGeometry } from '../geometry/prepare.js'
import type { CreateProjectBody, CreateProjectFeature, ProjectAttributes, ProjectListQuery } from '../schemas/projects.js'
import { markProjectStale } from '../analysis/queries.js'
import { evidenceAttributeProblems, evidenceStatus, normalizeEvidence, type MilestoneEvidence } from '../domain/milestone-evidence.js'
import { milestoneMismatch, type DevelopmentMode, type MilestoneType } from '../domain/project.js'
import { lockedStatuses } from '../domain/workflow.js'
import { proposeMilestone } from '../review/milestones.js'
import * as q from './queries.js'

const notFound = (id: number) => problem('LR_NOT_FOUND', `project ${id} not found`, { detailZh: `项目 ${id} 不存在或不在本密钥的权限范围内` })

/** A Feature's properties carry what the plain body has at its top level. */
export function projectBodyOf(input: CreateProjectBody | CreateProjectFeature): CreateProjectBody {
  if (!('type' in input)) return input
  const { code, county, srid, ...attributes } = input.properties as CreateProjectFeature['properties'] & Record<string, unknown>
  return { code, county, srid, geometry: input.geometry, attributes: attributes as ProjectAttributes }
}

/** The development mode and milestone a project would have must go together (165号 三; POST and PATCH alike). */
function refuseMilestoneMismatch(mode: DevelopmentMode | null | undefined, milestone: MilestoneType | null | undefined) {
  const mismatch = milestoneMismatch(mode ?? null, milestone ?? null)
  if (mismatch) throw problem('LR_BAD_REQUEST', mismatch.en, { detailZh: mismatch.zh })
}

/**
 * The evidence fields as they will be stored (trimmed, empty documents dropped), or a 400 naming each wrong field
 * in Chinese and English (src/domain/milestone-evidence.ts).
 */
function checkedEvidence(attrs: ProjectAttributes): ProjectAttributes {
  const problems = evidenceAttributeProblems(attrs)
  if (problems.length)
    throw problem('LR_BAD_REQUEST', problems.map((p) => p.message).join('; '), {
      detailZh: problems.map((p) => p.messageZh).join('；'),
      errors: problems.map((p) => ({ path: `body${p.path}`, message: p.message, messageZh: p.messageZh })),
    })
  if (attrs.milestoneEvidence === undefined) return attrs
  return { ...attrs, milestoneEvidence: normalizeEvidence(attrs.milestoneEvidence as MilestoneEvidence | null) }
}

export async function createProject(knex: Knex, actor: Actor, raw: CreateProjectBody) {
  const body = { ...raw, attributes: raw.attributes && checkedEvidence(raw.attributes) }
  refuseMilestoneMismatch(body.attributes?.developmentMode, body.attributes?.milestoneType)
  const { county, problem: countyProblem } = resolveCounty(actor.scope, body.county)
  if (!county) throw problem('LR_BAD_REQUEST', countyProblem!, { detailZh: '请提供6位县级行政区划代码 county' })
  if (!inScope(actor.scope, county)) {
    throw problem('LR_FORBIDDEN', `this key may not write to county ${county}`, { detailZh: `本密钥无权写入 ${county} 的数据` })
  }
  if (await q.projectCodeExists(knex, county, body.code)) {
    throw problem('LR_CONFLICT', `project code '${body.code}' already exists in county ${county}`, { detailZh: `项目编号 ${body.code} 在 ${county} 已存在` })
  }
  const geometry = await prepareAreaGeometry(knex, body.geometry, body.srid)
  const id = await auditedWrite(
    knex,
    actor,
    (trx) => q.insertProject(trx, { county, code: body.code, ...geometry, attributes: body.attributes ?? {} }),
    (newId) => ({ action: 'project.create', objectType: 'project', objectId: newId, county, detail: { code: body.code, repairs: geometry.repairs } }),
  )
  return withEvidenceStatus((await q.findProject(knex, id, actor.scope))!)
}

export async function getProject(knex: Knex, actor: Actor, id: number) {
  const project = await q.findProject(knex, id, actor.scope)
  if (!project) throw notFound(id)
  return withEvidenceStatus(project)
}

/** The milestone's evidence judged against its type and date, for the confirmed milestone and a pending proposal. */
function withEvidenceStatus<P extends Record<string, unknown>>(project: P) {
  const status = (m: { milestoneType?: unknown; milestoneDate?: unknown; milestoneEvidence?: unknown }) =>
    evidenceStatus(
      (m.milestoneType ?? null) as MilestoneType | null,
      (m.milestoneDate ?? null) as string | null,
      (m.milestoneEvidence ?? null) as MilestoneEvidence | null,
    )
  const pending = project.pendingMilestone as Record<string, unknown> | null
  return {
    ...project,
    milestoneEvidenceStatus: status(project),
    pendingMilestone: pending ? { ...pending, evidenceStatus: status(pending) } : pending,
  }
}

export async function listProjects(knex: Knex, actor: Actor, query: ProjectListQuery) {
  const { items, total } = await q.listProjects(knex, query, actor.scope)
  return { items, total, limit: query.limit, offset: query.offset }
}

/** A write to an existing project in the key's region, audited; another region's project is 404. */
async function writeOwnProject(
  knex: Knex,
  actor: Actor,
  id: number,
  action: string,
  work: (trx: Knex.Transaction, county: string) => Promise<void>,
  detail?: Record<string, unknown>,
) {
  await auditedWrite(
    knex,
    actor,
    async (trx) => {
      const county = await q.projectCounty(trx, id, actor.scope)
      if (!county) throw notFound(id)
      await work(trx, county)
      return county
    },
    (county) => ({ action, objectType: 'project', objectId: id, county, detail }),
  )
}

/**
 * Under review, only the milestone and its evidence may change: they are often reached after entry,
 * and the reviewers see them with the project. The area the evidence states (evidenceAreaM2) is an
 * input of the 15–30 亩 rule, so it is frozen like the other stock-area inputs. Once the province has approved, a milestone recorded or changed decides the
 * reward year unseen by them, so it becomes a proposal that the city checks and the province confirms
 * (src/review/milestones.ts); the confirmed one stands meanwhile.
 */
export const editableWhenLocked: ReadonlyArray<keyof ProjectAttributes> = ['milestoneType', 'milestoneDate', 'milestoneEvidence']

async function refuseIfLocked(trx: Knex.Transaction, id: number, what: string) {
  const { status, development_mode: mode } = await trx('projects').first('status', 'development_mode').where({ id })
  if (lockedStatuses.includes(status)) {
    throw problem('LR_CONFLICT', `project ${id} is ${status}: ${what} (a reviewer must return it first)`, {
      detailZh: '项目已提交审核或已通过审核，不能修改；如需修改请先退回',
    })
  }
  return mode as DevelopmentMode | null
}

const onlyMilestone = (attrs: ProjectAttributes) => Object.keys(attrs).every((k) => editableWhenLocked.includes(k as keyof ProjectAttributes))

export async function updateProject(knex: Knex, actor: Actor, id: number, raw: ProjectAttributes) {
  const attrs = checkedEvidence(raw)
  // province-approved is final (nothing moves a project out of it), so this read cannot go stale
  if (Object.keys(attrs).length > 0 && onlyMilestone(attrs) && (await q.projectStatus(knex, id, actor.scope)) === 'province-approved') {
    await proposeMilestone(knex, actor, id, attrs)
    return getProject(knex, actor, id)
  }
  await writeOwnProject(
    knex,
    actor,
    id,
    'project.update',
    async (trx) => {
      const current = await trx('projects').first('development_mode', 'milestone_type').where({ id })
      const frozen = Object.keys(attrs).filter((k) => !editableWhenLocked.includes(k as keyof ProjectAttributes))
      if (frozen.length) await refuseIfLocked(trx, id, `${frozen.join(', ')} cannot change`)
      const mode = (attrs.developmentMode !== undefined ? attrs.developmentMode : current.development_mode) as DevelopmentMode | null
      const milestone = (attrs.milestoneType !== undefined ? attrs.milestoneType : current.milestone_type) as MilestoneType | null
      refuseMilestoneMismatch(mode, milestone)
      await q.updateProjectAttributes(trx, id, attrs)
      await markProjectStale(trx, id) // the rules read these attributes
    },
    { changed: Object.keys(attrs) },
  )
  return getProject(knex, actor, id)
}

export async function deleteProject(knex: Knex, actor: Actor, id: number): Promise<void> {
  await writeOwnProject(knex, actor, id, 'project.delete', async (trx, county) => {
    await refuseIfLocked(trx, id, 'it cannot be deleted')
    await q.deleteProject(trx, { id, county })
  })
}
