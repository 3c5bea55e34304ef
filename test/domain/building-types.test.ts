// 上盖建筑物 by meaning (165号 二: 不包括堆场、硬化路面、绿地、户外体育设施、可移动的临时建筑物等).
import { describe, expect, it } from 'vitest'
import { analysisDefaults } from '../../src/domain/analysis-config.js'
import { classifyBuildingType, normaliseBuildingType, type BuildingTypeRule } from '../../src/domain/building-types.js'

const rules = analysisDefaults.buildingTypeRules
const cls = (t: string | null) => classifyBuildingType(t, rules).class

describe('building types by meaning', () => {
  it('normalises spellings: 的, a trailing 物, blanks and punctuation, full-width forms', () => {
    expect(normaliseBuildingType('可移动的临时建筑物')).toBe('可移动临时建筑')
    expect(normaliseBuildingType(' 可移动（临时）建筑 ')).toBe('可移动临时建筑')
    expect(normaliseBuildingType('ＡＢ　房')).toBe('AB房')
  })
  it('excludes the notice’s own words and their usual spellings', () => {
    for (const t of [
      '可移动的临时建筑物',
      '可移动临时建筑',
      '可移动的临时建筑',
      '活动板房',
      '彩钢活动房',
      '集装箱房',
      '堆场',
      '露天堆场',
      '硬化路面',
      '硬化地面',
      '厂区道路',
      '绿地',
      '绿化带',
      '户外体育设施',
      '篮球场',
      '露天运动场',
    ]) {
      expect(cls(t), t).toBe('excluded')
    }
  })
  it('counts buildings and structures', () => {
    for (const t of ['厂房', '仓库', '办公楼', '住宅', '构筑物', '钢结构车间', '门卫室', '水塔', '体育馆']) expect(cls(t), t).toBe('counted')
  })
  it('exclusions come first: 临时厂房 is temporary, not a 厂房', () => {
    expect(classifyBuildingType('临时厂房', rules)).toMatchObject({ class: 'excluded', category: expect.stringMatching(/临时建筑/) })
  })
  it('a plain 临时建筑 is a configurable choice (excluded by default)', () => {
    expect(cls('临时建筑')).toBe('excluded')
    const counting: BuildingTypeRule[] = rules.filter((r) => !r.category.startsWith('临时建筑'))
    expect(classifyBuildingType('临时建筑', counting).class).toBe('counted')
    expect(classifyBuildingType('可移动的临时建筑物', counting).class).toBe('excluded')
  })
  it('an unrecognised or missing type is unknown (and counted, with the reason shown)', () => {
    expect(classifyBuildingType('XYZ-7', rules)).toMatchObject({ class: 'unknown', category: expect.stringMatching(/按上盖建筑物计入/) })
    expect(cls(null)).toBe('unknown')
    expect(cls('  ')).toBe('unknown')
  })
})
