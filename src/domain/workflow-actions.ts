// Which review steps a role may take on a project in a given status: the workflow's own transition
// rule asked for every action, so the console offers exactly what the API would accept.
import { fieldCheckUse, type FieldCheckUse } from './field-check.js'
import type { ProjectStatus } from './project.js'
import type { Role } from './region.js'
import { reviewActions, transition, type ReviewAction } from './workflow.js'

export interface AllowedAction {
  action: ReviewAction
  actionZh: string
  needsReason: boolean
  /** 外业核查 with this step: required (the city's check), optional (the city's return) or none */
  fieldCheck: FieldCheckUse
}

export function allowedActions(status: ProjectStatus, role: Role): AllowedAction[] {
  return (Object.keys(reviewActions) as ReviewAction[])
    .filter((action) => transition(status, action, role, 'reason given').ok)
    .map((action) => ({ action, actionZh: reviewActions[action].zh, needsReason: action === 'return', fieldCheck: fieldCheckUse(status, action, role) }))
}
