// REPORT.html, in the browser: per-frame PSNR, SSIM and flicker of one prompt x seed, as inline
// SVG, with a cursor at the frame the players show. Defines window.teacacheCurves for player.js.
'use strict'
window.teacacheCurves = (() => {
  const NS = 'http://www.w3.org/2000/svg'
  const COLORS = ['#c0392b', '#1f6fb4', '#27864a', '#8e44ad', '#d35400', '#16a085', '#7f8c8d', '#2c3e50']
  const SIZE = { width: 760, height: 150, left: 56, right: 16, top: 14, bottom: 26 }
  const METRICS = [
    { key: 'psnr', title: 'PSNR (dB)', digits: 1 },
    { key: 'ssim', title: 'SSIM', digits: 4 },
    { key: 'flicker', title: 'flicker (levels)', digits: 3 },
    { key: 'lpips', title: 'LPIPS', digits: 4 },
  ]

  const svg = (tag, attrs) => {
    const node = document.createElementNS(NS, tag)
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v))
    return node
  }
  const round = (v) => Math.round(v * 10) / 10

  /** Draws the plots of `runs` (the group's measured variants) into `container`; returns setCursor(frame). */
  function draw(container, runs, count, onSeek) {
    container.textContent = ''
    const cursors = []
    const { width, height, left, right, top, bottom } = SIZE
    const plotW = width - left - right
    const plotH = height - top - bottom
    const sx = (i) => left + (count > 1 ? (i / (count - 1)) * plotW : plotW / 2)
    if (runs.length === 0) {
      const p = document.createElement('p')
      p.className = 'muted'
      p.textContent = 'No cached video of this prompt and seed has been measured against its baseline yet.'
      container.appendChild(p)
      return () => {}
    }
    const legend = document.createElement('p')
    legend.className = 'legend'
    runs.forEach((run, r) => {
      const item = document.createElement('span')
      item.style.color = COLORS[r % COLORS.length]
      item.textContent = `■ ${run.label}`
      legend.appendChild(item)
    })
    container.appendChild(legend)
    // LPIPS only where `teacache report --lpips` computed it for every run shown.
    for (const metric of METRICS.filter((m) => m.key !== 'lpips' || runs.every((run) => run.series.lpips))) {
      const values = runs.flatMap((run) => run.series[metric.key]).filter((v) => v !== null)
      // PSNR's null is ∞ (identical frames): drawn on the top edge, above every finite value.
      const infinite = metric.key === 'psnr' && runs.some((run) => run.series.psnr.some((v) => v === null))
      let lo = values.length ? Math.min(...values) : 0
      let hi = values.length ? Math.max(...values) : 1
      const pad = (hi - lo || Math.abs(hi) || 1) * 0.1
      lo -= pad
      hi += infinite ? pad * 3 : pad
      const sy = (v) => (v === null ? top : top + plotH - ((v - lo) / (hi - lo)) * plotH)
      const root = svg('svg', { class: `curve curve-${metric.key}`, width, height, viewBox: `0 0 ${width} ${height}`, 'data-metric': metric.key })
      root.appendChild(svg('rect', { x: left, y: top, width: plotW, height: plotH, fill: 'none', stroke: '#999' }))
      for (const v of [lo + pad, (lo + hi) / 2, hi - pad]) {
        root.appendChild(svg('line', { x1: left, x2: left + plotW, y1: round(sy(v)), y2: round(sy(v)), stroke: '#eee' }))
        const label = svg('text', { x: left - 4, y: round(sy(v) + 4), 'text-anchor': 'end' })
        label.textContent = v.toFixed(metric.digits)
        root.appendChild(label)
      }
      const title = svg('text', { x: left + 4, y: top + 12 })
      title.textContent = metric.title
      root.appendChild(title)
      const axis = svg('text', { x: left + plotW, y: height - 6, 'text-anchor': 'end' })
      axis.textContent = `frame (1–${count})`
      root.appendChild(axis)
      runs.forEach((run, r) => {
        const series = run.series[metric.key]
        const points = []
        series.forEach((v, i) => {
          // Frame 0 has no flicker (no frame before it); PSNR's null is ∞.
          if (v === null && metric.key !== 'psnr') return
          points.push(`${round(sx(i))},${round(sy(v))}`)
        })
        root.appendChild(svg('polyline', { class: 'series', 'data-run': run.id, fill: 'none', stroke: COLORS[r % COLORS.length], 'stroke-width': 1.5, points: points.join(' ') }))
      })
      const cursor = svg('line', { class: 'cursor', y1: top, y2: top + plotH, stroke: '#000', 'stroke-width': 1.5 })
      root.appendChild(cursor)
      cursors.push(cursor)
      root.addEventListener('click', (event) => {
        const box = root.getBoundingClientRect()
        const x = ((event.clientX - box.left) / box.width) * width
        const frame = Math.round(((x - left) / plotW) * (count - 1))
        onSeek(Math.max(0, Math.min(count - 1, frame)))
      })
      container.appendChild(root)
    }
    return (frame) => {
      for (const cursor of cursors) {
        cursor.setAttribute('x1', String(round(sx(frame))))
        cursor.setAttribute('x2', String(round(sx(frame))))
        cursor.setAttribute('data-frame', String(frame))
      }
    }
  }

  return { draw }
})()
