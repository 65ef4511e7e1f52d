import { describe, expect, it } from 'vitest'
import { columnSpeedupCell, decimalsFor, gigabytes, seconds, speedupCell, tileLabel } from '../../src/report/format.ts'

const above = { aboveIdeal: true, differentWorker: false }
const worker = { aboveIdeal: false, differentWorker: true }
const both = { aboveIdeal: true, differentWorker: true }

describe('report number formats', () => {
  it.each([
    { values: [465, 322, 0.5], decimals: 0 },
    { values: [12.3, 8], decimals: 1 },
    { values: [2.38, 0.172], decimals: 2 },
    { values: [0.413, 0.133], decimals: 3 },
    { values: [0.0131, 0.0118], decimals: 4 },
    { values: [1e-6], decimals: 4 },
    { values: [], decimals: 3 },
    { values: [Infinity, 5], decimals: 2 },
  ])('decimalsFor($values) = $decimals: from the largest value', ({ values, decimals }) => expect(decimalsFor(...values)).toBe(decimals))

  it.each([
    { x: 465.2, shown: '465' },
    { x: 12.04, shown: '12.0' },
    { x: 2.384, shown: '2.38' },
    { x: 0.1723, shown: '0.172' },
  ])('seconds($x) = $shown', ({ x, shown }) => expect(seconds(x)).toBe(shown))

  it.each([
    { bytes: 21_474_836_480, shown: '21.5' },
    { bytes: 8e7, shown: '0.1' },
  ])('gigabytes($bytes) = $shown', ({ bytes, shown }) => expect(gigabytes(bytes)).toBe(shown))
})

describe('speedups as shown', () => {
  it.each([
    { run: { speedup: null, ideal: null, suspect: null }, cell: null },
    { run: { speedup: 1.25, ideal: 1.28, suspect: null }, cell: '1.25x' },
    { run: { speedup: 6.7, ideal: 1.3333, suspect: above }, cell: '⚠ 6.70x > ideal 1.33x' },
    { run: { speedup: 1.2, ideal: 1.28, suspect: worker }, cell: '⚠ 1.20x, different worker' },
    { run: { speedup: 6.7, ideal: 1.3333, suspect: both }, cell: '⚠ 6.70x > ideal 1.33x, different worker' },
  ])('run cell $cell', ({ run, cell }) => expect(speedupCell(run)).toBe(cell))

  it.each([
    { c: { speedup: 1.25, ideal: 1.28, aboveIdeal: false, excluded: 0 }, cell: '1.25x' },
    { c: { speedup: 1.25, ideal: 1.28, aboveIdeal: false, excluded: 1 }, cell: '1.25x (1 suspect excluded)' },
    { c: { speedup: 1.3, ideal: 1.28, aboveIdeal: true, excluded: 0 }, cell: '⚠ 1.30x > ideal 1.28x' },
    { c: { speedup: null, ideal: null, aboveIdeal: false, excluded: 2 }, cell: '— (2 suspect excluded)' },
    { c: { speedup: null, ideal: null, aboveIdeal: false, excluded: 0 }, cell: '—' },
  ])('column cell $cell', ({ c, cell }) => expect(columnSpeedupCell(c)).toBe(cell))

  it.each([
    { run: { threshold: null, speedup: 1, ideal: null, suspect: null }, label: 'baseline' },
    { run: { threshold: 0.5, speedup: null, ideal: null, suspect: null }, label: 't=0.5' },
    { run: { threshold: 0.5, speedup: 1.25, ideal: 1.28, suspect: null }, label: 't=0.5 1.25x' },
    { run: { threshold: 0.5, speedup: 6.7, ideal: 1.33, suspect: above }, label: 't=0.5 6.70x SUSPECT' },
    { run: { threshold: 1, speedup: 1.2, ideal: 2, suspect: worker }, label: 't=1 1.20x SUSPECT' },
  ])('video label "$label": never a bare suspect number', ({ run, label }) => expect(tileLabel(run)).toBe(label))
})
