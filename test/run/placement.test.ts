import { describe, expect, it } from 'vitest'
import { physicalIndex, wherePlaced } from '../../src/run/placement.ts'

describe('physicalIndex', () => {
  it.each([
    { device: 'cpu', visible: undefined, index: null },
    { device: 'cuda', visible: undefined, index: 0 },
    { device: 'cuda:1', visible: undefined, index: 1 },
    { device: 'cuda', visible: '3', index: 3 },
    { device: 'cuda:1', visible: '2,5', index: 5 },
    { device: 'cuda:2', visible: '2,5', index: null },
    { device: 'cuda', visible: 'GPU-8a1b', index: null },
    { device: 'cuda', visible: '', index: null },
  ])('$device with CUDA_VISIBLE_DEVICES=$visible is GPU $index', ({ device, visible, index }) => {
    expect(physicalIndex(device, visible)).toBe(index)
  })
})

describe('wherePlaced', () => {
  it('names this process and its device', () => {
    expect(wherePlaced('cuda', 'NVIDIA H100', { CUDA_VISIBLE_DEVICES: '1' })).toMatchObject({ device: 'cuda', device_index: 1, device_name: 'NVIDIA H100', pid: process.pid })
  })
})
