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
  // Types as county building layers and 房地一体 deliveries spell them (issue 21): by meaning, not by a word inside a name.
  it('counts real buildings whose names hold an excluded word (广场, 道路, 球场, 绿化, 活动, 停车)', () => {
    const buildings = [
      ...['商业广场', '万达广场', '购物广场', '银座国际广场', '时代广场写字楼', '财富广场A座', '道路管理站', '公路养护站', '室内球场', '室内篮球馆'],
      ...['室内游泳池', '羽毛球馆', '网球馆', '体育馆', '绿化管理用房', '园林绿化办公楼', '职工活动中心', '老年活动室', '停车楼', '立体停车库'],
      ...['机械式停车库', '加油站', '变电站', '污水处理站', '沉淀池', '锅炉房', '配电房', '泵房', '地下水泵房', '门卫室'],
      ...['传达室', '厂房', '钢结构厂房', '生产车间', '仓库', '冷库', '筒仓', '办公楼', '综合楼', '住宅楼'],
      ...['宿舍', '职工食堂', '车棚', '自行车棚', '水塔', '烟囱', '储油罐', '连廊', '看台', '砖混结构房屋'],
      ...['框架结构建筑', '构筑物', '附属用房', '农贸市场', '超市', '酒店大厦', '样板房', '展厅', '售楼处用房'],
    ]
    expect(buildings.length).toBeGreaterThanOrEqual(40)
    const wrong = buildings.filter((t) => cls(t) !== 'counted')
    expect(wrong).toEqual([])
  })

  it('excludes what the notice excludes, underground structures included, in the spellings deliveries use', () => {
    const excluded = [
      ...['地下车库', '地下室', '地下停车场', '地下商场', '人防工程', '人防地下室', '半地下室', '地下仓库', '地下通道', '地下建筑'],
      ...['堆场', '露天堆场', '原料堆场', '煤场', '货场', '堆放场', '硬化路面', '硬化地面', '水泥硬化地面', '厂区道路'],
      ...['道路', '沥青路面', '露天停车场', '地面停车场', '广场', '市民广场', '休闲广场', '城市广场', '场地硬化', '铺装'],
      ...['绿地', '绿化带', '公共绿地', '草坪', '花坛', '篮球场', '足球场', '露天运动场', '室外体育设施', '田径场'],
      ...['塑胶跑道', '健身广场', '游泳池', '活动板房', '彩钢活动房', '集装箱房', '可移动临时建筑', '可移动的临时建筑物', '移动板房', '临时工棚'],
    ]
    expect(excluded.length).toBeGreaterThanOrEqual(40)
    const wrong = excluded.filter((t) => cls(t) !== 'excluded')
    expect(wrong).toEqual([])
  })

  it('names the category it decided by', () => {
    expect(classifyBuildingType('地下车库', rules).category).toMatch(/地下/)
    expect(classifyBuildingType('商业广场', rules).category).toBe('建筑物、构筑物及其附属设施')
    expect(classifyBuildingType('市民广场', rules).category).toBe('硬化路面')
    expect(classifyBuildingType('道路管理站', rules).category).toBe('建筑物、构筑物及其附属设施')
    expect(classifyBuildingType('篮球场', rules).category).toBe('户外体育设施')
  })

  it('an unrecognised or missing type is unknown (and counted, with the reason shown)', () => {
    expect(classifyBuildingType('XYZ-7', rules)).toMatchObject({ class: 'unknown', category: expect.stringMatching(/按上盖建筑物计入/) })
    expect(cls(null)).toBe('unknown')
    expect(cls('  ')).toBe('unknown')
  })
})
