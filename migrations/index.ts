// The migrations in order. Listed here (not discovered on disk) so the same TypeScript modules
// load under tsx, vitest and a bundler alike.
import type { Knex } from 'knex'
import * as foundation from './20261123000000_foundation.js'
import * as importSupport from './20261123010000_import.js'
import * as analysisRuns from './20261123020000_analysis_runs.js'
import * as bundles from './20261123030000_bundles.js'
import * as review from './20261123040000_review.js'
import * as layerPartitions from './20261123050000_layer_partitions.js'
import * as analysisRound2 from './20261130010000_analysis_round2.js'
import * as jobLifecycle from './20261130130000_job_lifecycle.js'
import * as citusKeys from './20261201010000_citus_keys.js'
import * as pullPerCounty from './20261201020000_pull_per_county.js'
import * as layerCountyIndex from './20261201030000_layer_county_index.js'
import * as citusNoSetNull from './20261201040000_citus_no_set_null.js'
import * as projectArea from './20261201050000_project_area.js'
import * as jobFollowUps from './20261203010000_job_follow_ups.js'
import * as resultSchemaVersion from './20261203020000_result_schema_version.js'
import * as milestoneReview from './20261204010000_milestone_review.js'
import * as milestoneEvidence from './20261205010000_milestone_evidence.js'
import * as projectScatteredLand from './20261205020000_project_scattered_land.js'
import * as rewardExtractions from './20261205030000_reward_extractions.js'
import * as planLandUseCode from './20261205060000_plan_land_use_code.js'
import * as analysisTrigger from './20261206020000_analysis_trigger.js'
import * as projectAttachments from './20261206040000_project_attachments.js'
import * as projectBundleMembers from './20261206060000_project_bundle_members.js'
import * as accounts from './20261206090000_accounts.js'
import * as jobOwners from './20261207010000_job_owners.js'
import * as importJobLayers from './20261208020000_import_job_layers.js'
import * as resultLz4 from './20261208040000_result_lz4.js'
import * as resultPullParts from './20261208050000_result_pull_parts.js'
import * as datasetCentralMeridian from './20261209010000_dataset_central_meridian.js'

export const migrations: Array<[name: string, migration: Knex.Migration]> = [
  ['20261123000000_foundation', foundation],
  ['20261123010000_import', importSupport],
  ['20261123020000_analysis_runs', analysisRuns],
  ['20261123030000_bundles', bundles],
  ['20261123040000_review', review],
  ['20261123050000_layer_partitions', layerPartitions],
  ['20261130010000_analysis_round2', analysisRound2],
  ['20261130130000_job_lifecycle', jobLifecycle],
  ['20261201010000_citus_keys', citusKeys],
  ['20261201020000_pull_per_county', pullPerCounty],
  ['20261201030000_layer_county_index', layerCountyIndex],
  ['20261201040000_citus_no_set_null', citusNoSetNull],
  ['20261201050000_project_area', projectArea],
  ['20261203010000_job_follow_ups', jobFollowUps],
  ['20261203020000_result_schema_version', resultSchemaVersion],
  ['20261204010000_milestone_review', milestoneReview],
  ['20261205010000_milestone_evidence', milestoneEvidence],
  ['20261205020000_project_scattered_land', projectScatteredLand],
  ['20261205030000_reward_extractions', rewardExtractions],
  ['20261205060000_plan_land_use_code', planLandUseCode],
  ['20261206020000_analysis_trigger', analysisTrigger],
  ['20261206040000_project_attachments', projectAttachments],
  ['20261206060000_project_bundle_members', projectBundleMembers],
  ['20261206090000_accounts', accounts],
  ['20261207010000_job_owners', jobOwners],
  ['20261208020000_import_job_layers', importJobLayers],
  ['20261208040000_result_lz4', resultLz4],
  ['20261208050000_result_pull_parts', resultPullParts],
  ['20261209010000_dataset_central_meridian', datasetCentralMeridian],
]
