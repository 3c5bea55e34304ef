// The plan-zone table: names and codes on both sides of each boundary, written out here from the
// 规划分区 and 用地用海 classifications, not read from the table under test.
import { describe, expect, it } from 'vitest'
import { derivePermitted } from '../../src/domain/plan-zones.js'

const byName = (name: string) => derivePermitted({ name, code: null, codeField: null })?.permitted ?? null
const byCode = (code: string, codeField: string) => derivePermitted({ name: null, code, codeField })?.permitted ?? null

describe('permitted from the zone name', () => {
  it('permits 城镇集中建设区 and its sub-zones, 城镇开发边界, 允许建设区', () => {
    for (const n of ['城镇集中建设区', '工业发展区', '交通枢纽区', '城镇开发边界', '允许建设区', ' 城镇集中 建设区 ']) expect(byName(n), n).toBe(true)
  })
  it('does not permit on its own 战略预留区 (use not yet decided) nor 村庄建设区 (outside the 城镇开发边界)', () => {
    for (const n of ['战略预留区', '村庄建设区']) expect(byName(n), n).toBe(false)
  })
  it('does not permit 永久基本农田, 生态保护红线, 城镇弹性发展区, 特别用途区, 一般农业区, 有条件建设区', () => {
    for (const n of ['永久基本农田', '生态保护红线', '城镇弹性发展区', '特别用途区', '一般农业区', '有条件建设区', '禁止建设区'])
      expect(byName(n), n).toBe(false)
  })
  it('knows nothing of an unlisted name', () => expect(byName('城市绿线')).toBeNull())
})

describe('permitted from the zone code, in the code system of its field', () => {
  it('规划分区 (GHFQDM): 0401 and below yes, 0402/0403 no; 0501 村庄建设区 no, 0502 no; 01–03 no', () => {
    expect(byCode('0401', 'GHFQDM')).toBe(true)
    expect(byCode('040104', 'ghfqdm')).toBe(true)
    expect(byCode('0402', 'GHFQDM')).toBe(false)
    expect(byCode('0403', 'FQDM')).toBe(false)
    expect(byCode('0501', 'GHFQDM')).toBe(false)
    expect(byCode('0502', 'GHFQDM')).toBe(false)
    expect(byCode('03', 'GHFQDM')).toBe(false)
    expect(byCode('99', 'GHFQDM')).toBeNull()
  })
  it('用地用海 (YDYHFLDM): 06 农业设施建设用地 no, 07 居住 … 15 特殊用地 yes, 16 留白 no, 17 陆地水域 no', () => {
    expect(byCode('0601', 'YDYHFLDM')).toBe(false)
    expect(byCode('0701', 'YDYHFLDM')).toBe(true)
    expect(byCode('1001', 'GHYTDM')).toBe(true)
    expect(byCode('1501', 'YDYHFLDM')).toBe(true)
    expect(byCode('16', 'YDYHFLDM')).toBe(false)
    expect(byCode('1701', 'YDYHFLDM')).toBe(false)
    expect(byCode('0103', 'YDYHFLDM')).toBe(false)
  })
  it('reads the same code differently by system (04 城镇发展区 vs 04 草地), and not at all from an unknown field', () => {
    expect(byCode('04', 'GHFQDM')).toBe(true)
    expect(byCode('04', 'YDYHFLDM')).toBe(false)
    expect(byCode('0401', 'YTFQDM')).toBeNull()
  })
  it('lets the name decide when both are given', () => {
    expect(derivePermitted({ name: '永久基本农田', code: '0401', codeField: 'GHFQDM' })).toMatchObject({ permitted: false, by: 'name' })
  })
})
