// The region table of Shandong and the one county check every request goes through.
import { describe, expect, it } from 'vitest'
import { countyProblem, inScope, regionProblem, resolveCounty, scopeOf } from '../../src/domain/region.js'
import { cities, countiesOfCity, countyByCode, countyCodes } from '../../src/domain/regions.js'

describe('the region table (data/regions/shandong.json)', () => {
  it('holds the 16 cities and 136 county-level divisions of Shandong, each county under its city', () => {
    expect(cities).toHaveLength(16)
    expect(countyCodes).toHaveLength(136)
    expect(new Set(countyCodes).size).toBe(136)
    for (const c of cities) for (const k of c.counties) expect(k.code.slice(0, 4)).toBe(c.code.slice(0, 4))
    // 58 districts, 26 county-level cities, 52 counties (the province's published totals).
    const by = (suffix: string) => countyCodes.filter((c) => countyByCode(c)!.name.endsWith(suffix)).length
    expect([by('区'), by('市'), by('县')]).toEqual([58, 26, 52])
  })

  it('has the fixtures’ counties and the changes since 2016', () => {
    expect(countyByCode('371502')).toMatchObject({ name: '东昌府区', cityName: '聊城市' })
    expect(countyByCode('371521')).toMatchObject({ name: '阳谷县', cityName: '聊城市' })
    expect(countyByCode('370116')).toMatchObject({ name: '莱芜区', cityName: '济南市' })
    expect(countyByCode('371503')?.name).toBe('茌平区')
    expect(countyByCode('371523')).toBeUndefined() // 茌平县 until 2019
    expect(countyByCode('370634')).toBeUndefined() // 长岛县, merged into 蓬莱区 2020
    expect(countiesOfCity('3712')).toEqual([]) // 莱芜市, merged into 济南 2019
    expect(countiesOfCity('3715')).toHaveLength(8)
  })
})

describe('the county check', () => {
  it('refuses codes that are not a county of the table, naming the field', () => {
    expect(countyProblem('371502')).toBeNull()
    expect(countyProblem('999999')).toMatch(/^county '999999' is not a county-level division of Shandong/)
    expect(countyProblem('371599', 'region')).toMatch(/^region '371599'/)
    expect(countyProblem('37150')).toMatch(/6-digit/)
    expect(resolveCounty(scopeOf('admin', null), '999999').problem).toMatch(/not a county-level division/)
    expect(regionProblem('county', '999999')).toMatch(/not a county-level division/)
    expect(regionProblem('city', '3712')).toMatch(/not a city of Shandong/)
  })

  it('a city key covers exactly its counties by the table', () => {
    const liaocheng = scopeOf('city', '3715')
    for (const code of countiesOfCity('3715')) expect(inScope(liaocheng, code)).toBe(true)
    expect(inScope(liaocheng, '371599')).toBe(false) // starts alike, is no county
    expect(inScope(liaocheng, '370102')).toBe(false)
  })
})
