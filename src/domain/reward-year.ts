// The calendar of a reward table (165号 四（二）（三）, issue 21). The table of year Y (the stock of
// projects completed in Y) is extracted at the start of Y + 1 — "每年初，省厅从系统中提取各地上一年度
// 低效用地再开发项目清单，汇总核定各地上一年度城镇低效用地再开发规模" — and issued by the end of
// July of Y + 1 — "每年7月底前，省厅根据各地上一年度城镇低效用地再开发规模拟定奖励指标额度，经厅长办公
// 会议审议通过后下达". Dates are civil dates in China (YYYY-MM-DD, compared as text).

/** 每年7月底前……下达: the last day to issue the table of `year`. */
export const issueDeadline = (year: number) => `${year + 1}-07-31`

/** Whether the deadline has passed on `asOf` (the deadline day itself is still in time: 7月底前 reaches 31 July). */
export const deadlinePassed = (year: number, asOf: string) => asOf > issueDeadline(year)

/** 每年初……提取……上一年度: the first day the table of `year` may be extracted (the year is over). */
export const extractionOpensOn = (year: number) => `${year + 1}-01-01`

/** Why the table of `year` may not be extracted on `asOf`, or null when it may. */
export function extractionRefusal(year: number, asOf: string): { en: string; zh: string } | null {
  if (asOf >= extractionOpensOn(year)) return null
  return {
    en: `the table of ${year} is extracted once the year is over (from ${extractionOpensOn(year)}; 165号 四（二）: 每年初提取上一年度项目清单)`,
    zh: `${year}年度尚未结束，自${extractionOpensOn(year)}起方可提取（每年初提取上一年度项目清单）`,
  }
}
