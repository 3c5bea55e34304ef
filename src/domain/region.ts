// Access regions of API keys. Administrative division codes (行政区划代码): 2 digits province,
// 4 digits city (设区市), 6 digits county (县/市/区). Shandong is 37, Liaocheng 3715.

export const roles = ['county', 'city', 'province', 'admin'] as const
export type Role = (typeof roles)[number]

export type Scope = { kind: 'all' } | { kind: 'city'; prefix: string } | { kind: 'county'; code: string }

export const isCountyCode = (s: string) => /^[0-9]{6}$/.test(s)
export const isCityCode = (s: string) => /^[0-9]{4}$/.test(s)

/** What region a role needs: a message when `region` does not fit `role`, otherwise null. */
export function regionProblem(role: Role, region: string | null | undefined): string | null {
  switch (role) {
    case 'county':
      return region && isCountyCode(region) ? null : 'a county key needs a 6-digit county code as its region'
    case 'city':
      return region && isCityCode(region) ? null : 'a city key needs a 4-digit city code as its region'
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
      return countyCode.startsWith(scope.prefix)
    case 'county':
      return countyCode === scope.code
  }
}

/** The county a write goes to: a county key's own county when none is given. */
export function resolveCounty(scope: Scope, requested: string | undefined): { county?: string; problem?: string } {
  if (requested === undefined) {
    return scope.kind === 'county' ? { county: scope.code } : { problem: 'county (6-digit code) is required for this key' }
  }
  if (!isCountyCode(requested)) return { problem: `county must be a 6-digit code, got '${requested}'` }
  return { county: requested }
}
