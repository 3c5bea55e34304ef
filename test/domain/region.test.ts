import { describe, expect, it } from 'vitest'
import { inScope, regionProblem, resolveCounty, scopeOf } from '../../src/domain/region.js'

describe('region scope of keys', () => {
  it('a county key sees only its own county', () => {
    const scope = scopeOf('county', '371502')
    expect(inScope(scope, '371502')).toBe(true)
    expect(inScope(scope, '371503')).toBe(false)
    expect(inScope(scope, '371')).toBe(false)
  })

  it('a city key sees the counties whose code starts with its 4 digits', () => {
    const scope = scopeOf('city', '3715')
    expect(inScope(scope, '371502')).toBe(true)
    expect(inScope(scope, '371581')).toBe(true)
    expect(inScope(scope, '370102')).toBe(false)
  })

  it('province and admin keys see every county', () => {
    expect(inScope(scopeOf('province', null), '370211')).toBe(true)
    expect(inScope(scopeOf('admin', null), '110101')).toBe(true)
  })

  it('each role takes exactly the region it needs', () => {
    expect(regionProblem('county', '371502')).toBeNull()
    expect(regionProblem('county', '3715')).toMatch(/6-digit/)
    expect(regionProblem('county', null)).toMatch(/6-digit/)
    expect(regionProblem('city', '3715')).toBeNull()
    expect(regionProblem('city', '371502')).toMatch(/4-digit/)
    expect(regionProblem('province', null)).toBeNull()
    expect(regionProblem('province', '37')).toMatch(/takes no region/)
    expect(regionProblem('admin', '371502')).toMatch(/takes no region/)
  })

  it('a write goes to the county given, or a county key’s own county', () => {
    expect(resolveCounty(scopeOf('county', '371502'), undefined)).toEqual({ county: '371502' })
    expect(resolveCounty(scopeOf('city', '3715'), undefined).problem).toMatch(/required/)
    expect(resolveCounty(scopeOf('province', null), '371521')).toEqual({ county: '371521' })
    expect(resolveCounty(scopeOf('province', null), '37152').problem).toMatch(/6-digit/)
  })
})
