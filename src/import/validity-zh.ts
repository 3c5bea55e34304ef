// PostGIS's ST_IsValidReason in the words of a GIS technician. The reasons are GEOS's fixed texts
// (TopologyValidationError), followed by the location "[x y]", which is kept as it is.

const reasonsZh: Array<[RegExp, string]> = [
  [/^Ring Self-intersection/i, '环自相交'],
  [/^Self-intersection/i, '自相交'],
  [/^Too few points/i, '点数过少'],
  [/^Hole lies outside shell/i, '内环（洞）在外环以外'],
  [/^Holes are nested/i, '内环相互嵌套'],
  [/^Interior is disconnected/i, '内部被分割成不相连的部分'],
  [/^Nested shells/i, '外环相互嵌套'],
  [/^Duplicate Rings/i, '重复的环'],
  [/^Invalid Coordinate/i, '坐标无效'],
  [/^Ring is not closed/i, '环未闭合'],
]

/** 自相交[410050 4030050] for "Self-intersection[410050 4030050]"; an unknown reason is returned as is. */
export function validityReasonZh(reason: string): string {
  const hit = reasonsZh.find(([re]) => re.test(reason))
  if (!hit) return reason
  const at = /\[([^\]]*)\]\s*$/.exec(reason)?.[1]
  return at ? `${hit[1]}（位置 ${at}）` : hit[1]
}
