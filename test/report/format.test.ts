import { describe, expect, it } from 'vitest'
import { columnSpeedupCell, decibels, decimalsFor, fixed, gigabytes, meanSd, seconds, speedup, speedupCell, ssimValue, tileLabel, workCell } from '../../src/report/format.ts'

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

describe('values that are no number', () => {
  const formats: Array<[string, (x: number) => string]> = [
    ['seconds', seconds], ['fixed(2)', fixed(2)], ['speedup', speedup], ['decibels', decibels], ['ssimValue', ssimValue], ['gigabytes', gigabytes],
  ]
  const bad = [Number.NaN, Infinity, -Infinity, undefined as unknown as number]
  it.each(formats.flatMap(([name, format]) => bad.filter((x) => !(name === 'decibels' && x === Infinity)).map((x) => [name, String(x), format, x] as const)))(
    '%s(%s) is —: never NaN, Infinity or undefined in a table', (_, _shown, format, x) => expect(format(x)).toBe('—'))

  it('keeps the one infinity that is a value: identical frames are ∞ dB', () => expect(decibels(Infinity)).toBe('∞'))

  it.each([
    { stat: { mean: Number.NaN, sd: null }, shown: '—' },
    { stat: { mean: Infinity, sd: 1 }, shown: '—' },
    { stat: { mean: 2, sd: Number.NaN }, shown: '2.00' },
    { stat: { mean: 2, sd: 0.5 }, shown: '2.00 ± 0.50' },
  ])('meanSd($stat) = $shown', ({ stat, shown }) => expect(meanSd(stat, fixed(2))).toBe(shown))

  it('an infinite mean PSNR (every video identical) reads ∞, without a spread', () => expect(meanSd({ mean: Infinity, sd: null }, decibels)).toBe('∞'))

  it('shows a share of work that is no number as —', () => expect(workCell({ blocks: Number.NaN, attention: 0.5, feedforward: Infinity })).toBe('— · 50% · —'))
  it('shows a zero-latency speedup (NaN, Infinity) as —, never NaNx', () => {
    expect(speedupCell({ speedup: 0 / 0, ideal: null, suspect: null })).toBe('—')
    expect(speedupCell({ speedup: 1 / 0, ideal: null, suspect: null })).toBe('—')
  })
})

describe('speedups as shown', () => {
  it.each([
    { run: { speedup: null, ideal: null, suspect: null }, cell: null },
    { run: { speedup: 1.25, ideal: 1.28, suspect: null }, cell: '1.25x' },
    { run: { speedup: 6.7, ideal: 1.3333, suspect: above }, cell: '⚠ 6.70x > ideal 1.33x' },
    { run: { speedup: 1.2, ideal: 1.28, suspect: worker }, cell: '⚠ 1.20x, different worker' },
    { run: { speedup: 6.7, ideal: 1.3333, suspect: both }, cell: '⚠ 6.70x > ideal 1.33x, different worker' },
    { run: { speedup: 0.3, ideal: 1.27, lower: 0.95, suspect: { aboveIdeal: false, belowLower: true, differentWorker: false } }, cell: '⚠ 0.30x < least 0.95x' },
  ])('run cell $cell', ({ run, cell }) => expect(speedupCell(run)).toBe(cell))

  const ci = { n: 9, low: 1.21, high: 1.27, coverage: 0.96 }
  const range3 = { n: 3, low: 1.2, high: 1.3, coverage: 0.75 }
  it.each([
    // Every headline carries its interval: a 95% one from six rounds on, the range of fewer (said so), or none from one pair.
    { c: { speedup: 1.25, interval: ci, ideal: 1.28, aboveIdeal: false, excluded: 0 }, cell: '1.25x [1.21–1.27, 95% CI]' },
    { c: { speedup: 1.25, interval: range3, ideal: 1.28, aboveIdeal: false, excluded: 1 }, cell: '1.25x [1.20–1.30, range of 3 rounds] (1 suspect excluded)' },
    { c: { speedup: 1.25, interval: null, ideal: 1.28, aboveIdeal: false, excluded: 0 }, cell: '1.25x (one pair: no interval)' },
    { c: { speedup: 1.3, interval: ci, ideal: 1.28, aboveIdeal: true, excluded: 0 }, cell: '⚠ 1.30x [1.21–1.27, 95% CI] > ideal 1.28x' },
    // A column whose every run is suspect shows words and how far its rounds strayed, never a number.
    { c: { speedup: null, spread: { min: 0.3, max: 1.2 }, completed: 2, ideal: null, aboveIdeal: false, excluded: 2 }, cell: 'no trustworthy measurement: 2 of 2 run(s) suspect; its rounds ranged 0.30x–1.20x' },
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
