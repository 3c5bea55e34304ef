// Development mode × completion milestone: what the Liaocheng plan (三) lets each mode do, against
// 165号 三's three transactions. The table is written out here from the texts, not read from the code.
import { describe, expect, it } from 'vitest'
import { developmentModes, milestoneMismatch, milestoneTypes, type DevelopmentMode, type MilestoneType } from '../../src/domain/project.js'

const possible: Record<DevelopmentMode, Record<MilestoneType, boolean>> = {
  // 三（一）收回或收购后依法办理供地手续: only a supply
  'government-reserve': { 'land-supply': true, 'transfer-registration': false, 'planning-permits': false },
  // 三（二）自主 (permits), 转让 (transfer), 需办理供地手续的可协议出让 (supply)
  'original-owner': { 'land-supply': true, 'transfer-registration': true, 'planning-permits': true },
  // 三（三）征收后改造 / 入市 (supply), 自行 (permits), 引入社会投资主体 (transfer)
  collective: { 'land-supply': true, 'transfer-registration': true, 'planning-permits': true },
  // 三（四）收购相邻地块 (transfer); 补缴土地价款 on a change of use (supply)
  market: { 'land-supply': true, 'transfer-registration': true, 'planning-permits': false },
}

describe('milestone by development mode', () => {
  for (const mode of Object.keys(developmentModes) as DevelopmentMode[]) {
    for (const milestone of Object.keys(milestoneTypes) as MilestoneType[]) {
      it(`${mode} + ${milestone}: ${possible[mode][milestone] ? 'allowed' : 'refused'}`, () => {
        const m = milestoneMismatch(mode, milestone)
        if (possible[mode][milestone]) expect(m).toBeNull()
        else {
          expect(m?.en).toMatch(new RegExp(`cannot complete with '${milestone}'`))
          expect(m?.zh).toMatch(/聊城方案|165号/)
        }
      })
    }
  }

  it('judges nothing until both are recorded', () => {
    expect(milestoneMismatch(null, 'planning-permits')).toBeNull()
    expect(milestoneMismatch('market', null)).toBeNull()
  })
})
