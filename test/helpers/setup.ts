import { afterAll } from 'vitest'
import { removeTempDirs } from './temp.ts'

// Loaded before every test file (vitest.config.ts setupFiles): its temp folders go when it ends, also when a test failed.
afterAll(removeTempDirs)
