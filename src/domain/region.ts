// Access regions of API keys. Administrative division codes (行政区划代码): 2 digits province,
// 4 digits city (设区市), 6 digits county (县/市/区). Shandong is 37, Liaocheng 3715.

import { cityByPrefix, countiesOfCity, countyByCode, regionSource } from './regions.js'

export const roles = ['county', 'city', 'province', 'admin'] as const
export type Role = (typeof roles)[number]
/** The office a key speaks for, as people name it. */
export const roleZh: Record<Role, string> = { county: '县级', city: '市级', province: '省级', admin: '管理员' }

export type Scope = { kind: 'all' } | { kind: 'city'; prefix: string } | { kind: 'county'; code: string }

/** A county-level division of Shandong in the region table (regions.ts), not merely six digits. */
export const isCountyCode = (s: string) => countyByCode(s) !== undefined
/** A city (设区市) of Shandong by its 4-digit prefix. */
export const isCityCode = (s: string) => cityByPrefix(s) !== undefined

/**
 * The one check of a county code a request carries: null when it is a county of the table,
 * otherwise the message naming `field`.
 */
export function countyProblem(code: string, field = 'county'): string | null {
  if (!/^[0-9]{6}$/.test(code)) return `${field} must be a 6-digit county code (县级行政区划代码), got '${code}'`
  if (!isCountyCode(code)) return `${field} '${code}' is not a county-level division of Shandong (${regionSource.source.split(',')[0]})`
  return null
}

/** What region a role needs: a message when `region` does not fit `role`, otherwise null. */
export function regionProblem(role: Role, region: string | null | undefined): string | null {
  switch (role) {
    case 'county':
      if (!region || !/^[0-9]{6}$/.test(region)) return 'a county key needs a 6-digit county code as its region'
      return countyProblem(region, 'region')
    case 'city':
      if (!region || !/^[0-9]{4}$/.test(region)) return 'a city key needs a 4-digit city code as its region'
      return isCityCode(region) ? null : `region '${region}' is not a city of Shandong`
    case 'province':
    case 'admin':
      return region ? `a ${role} key covers every county and takes no region` : null
  }
}

export function scopeOf(role: Role, region: string | null): Scope {
  if (role === 'county') return { kind: 'county', code: region! }
  if (role === 'city') return { kind: 'city', prefix: region! }
  return { kind: 'all' }
}

export function inScope(scope: Scope, countyCode: string): boolean {
  switch (scope.kind) {
    case 'all':
      return true
    case 'city':
      // Exactly the city's counties by the region table, not any code that starts alike.
      return countiesOfCity(scope.prefix).includes(countyCode)
    case 'county':
      return countyCode === scope.code
  }
}

/** The county a write goes to: a county key's own county when none is given. */
export function resolveCounty(scope: Scope, requested: string | undefined): { county?: string; problem?: string } {
  if (requested === undefined) {
    return scope.kind === 'county' ? { county: scope.code } : { problem: 'county (6-digit code) is required for this key' }
  }
  const why = countyProblem(requested)
  return why ? { problem: why } : { county: requested }
}
