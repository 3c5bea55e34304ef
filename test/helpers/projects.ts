// Creating projects through the real app, as a client would.
import { expect } from 'vitest'
import { withKey, type TestApp } from './app.js'

/** POST /api/v1/projects with `payload`; fails the test unless it answers 201, and returns the new project's id. */
export async function postProject(t: TestApp, key: string, payload: Record<string, unknown>): Promise<number> {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/projects', headers: withKey(key), payload })
  expect(res.statusCode, res.body).toBe(201)
  return res.json().id as number
}
