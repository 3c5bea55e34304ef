// The county-level divisions of Shandong (县级行政区划, GB/T 2260 codes) and their cities (设区市),
// read once from data/regions/shandong.json (source and date stated there). Every code a request
// carries is checked against this table (region.ts), and a city covers exactly its counties here.
import fs from 'node:fs'

export interface County {
  code: string
  name: string
  /** 6-digit code of the city (e.g. 371500) */
  cityCode: string
  cityName: string
}

export interface City {
  code: string
  name: string
  counties: County[]
}

interface RegionFile {
  province: { code: string; name: string }
  source: string
  asOf: string
  cities: Array<{ code: string; name: string; counties: Array<{ code: string; name: string }> }>
}

const file: RegionFile = JSON.parse(fs.readFileSync(new URL('../../data/regions/shandong.json', import.meta.url), 'utf8'))

export const regionSource = { source: file.source, asOf: file.asOf, province: file.province }

export const cities: City[] = file.cities.map((c) => ({
  code: c.code,
  name: c.name,
  counties: c.counties.map((k) => ({ code: k.code, name: k.name, cityCode: c.code, cityName: c.name })),
}))

const countiesByCode = new Map(cities.flatMap((c) => c.counties).map((k) => [k.code, k]))
/** By the 4-digit prefix API keys and filters use for a city (3715 = 聊城市). */
const citiesByPrefix = new Map(cities.map((c) => [c.code.slice(0, 4), c]))

export const countyCodes: string[] = [...countiesByCode.keys()]
export const cityPrefixes: string[] = [...citiesByPrefix.keys()]

export const countyByCode = (code: string): County | undefined => countiesByCode.get(code)
export const cityByPrefix = (prefix: string): City | undefined => citiesByPrefix.get(prefix)

/** The county codes of a city (4-digit prefix); empty for an unknown city. */
export const countiesOfCity = (prefix: string): string[] => cityByPrefix(prefix)?.counties.map((k) => k.code) ?? []
