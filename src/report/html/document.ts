import { columnName, decibels, ssimValue } from '../format.ts'
import { lpipsText } from '../lpips-text.ts'
import type { ReportData } from '../summary.ts'
import { escapeHtml, scriptJson } from './escape.ts'
import type { PageModel } from './model.ts'
import { latencyTable, scheduleStrip } from './tables.ts'
import { renderTradeoff, type TradeoffPoint } from './tradeoff.ts'

/**
 * REPORT.html as one string: the viewer's markup, the across-variants section (static SVG and
 * tables), the page's data as JSON, and its script and style inline, so the page needs nothing
 * but the frames beside it (pure).
 */
export interface PageAssets {
  css: string
  scripts: string[]
}

function tradeoffPoints(data: ReportData, metric: 'psnr' | 'ssim'): TradeoffPoint[] {
  return data.columns.flatMap((c) => {
    const quality = c[metric].mean
    if (c.reference || c.speedup === null || quality === null) return []
    return [{ name: columnName(c), speedup: c.speedup, interval: c.interval ? { low: c.interval.low, high: c.interval.high } : null, quality }]
  })
}

export function renderPage(data: ReportData, model: PageModel, assets: PageAssets, links: { markdown: string }): string {
  const c = data.counts
  const banner = model.randomWeights ? `<p class="warning" id="random-weights"><strong>Quality means nothing here.</strong> ${escapeHtml(model.randomWeights)}</p>` : ''
  const lpips = `<p class="muted">${escapeHtml(lpipsText(data))}</p>`
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>TeaCache sweep report</title>
<style>${assets.css}</style>
</head>
<body>
<header>
<h1>TeaCache sweep report</h1>
<p>${c.completed} of ${c.total} runs completed. The numbers and their definitions are in <a href="${escapeHtml(links.markdown)}">${escapeHtml(links.markdown)}</a>; <code>${escapeHtml(model.command)}</code> regenerates both.</p>
${banner}
</header>
<main>
<section id="viewer" aria-label="one prompt and seed">
<h2>Videos, frame by frame</h2>
<div class="controls">
<label>prompt x seed <select id="group"></select></label>
<button type="button" id="play" title="play / pause (space)">▶ play</button>
<button type="button" id="back" title="one frame back (←)">◀ 1 frame</button>
<button type="button" id="forward" title="one frame on (→)">1 frame ▶</button>
<input type="range" id="seek" min="0" max="0" value="0" aria-label="frame">
<span id="position">frame 1 / 1</span>
<label>speed <select id="speed"><option value="0.25">0.25x</option><option value="0.5">0.5x</option><option value="1" selected>1x</option><option value="2">2x</option></select></label>
<label>view <select id="view"><option value="frames">frames</option><option value="difference">difference</option></select></label>
<label>gain <input type="range" id="gain" min="1" max="64" value="8"> <span id="gain-value">8x</span></label>
<label><input type="checkbox" id="baseline"> show the baseline in every tile (b)</label>
</div>
<p id="prompt" class="muted"></p>
<p id="view-note" class="muted" hidden></p>
<div id="tiles" class="tiles"></div>
<h3>Quality over the frames</h3>
<p class="muted">Each cached video against the baseline, per frame: PSNR (∞, identical frames, on the top edge), SSIM, and the temporal figure (flicker): |mean change of the cached video into the frame − the baseline's|, in 8-bit levels. The line marks the frame on screen; click to go to a frame.</p>
<div id="curves"></div>
</section>
<section id="across" aria-label="across variants">
<h2>Speed against quality</h2>
<p class="muted">One point per column: its speedup (median of per-round ratios, with its interval where the data has one) against its mean quality over prompts and seeds. Filled red points are the Pareto front: no other column is both as fast and as good.</p>
<div class="tradeoffs">
${renderTradeoff(tradeoffPoints(data, 'psnr'), { title: 'PSNR (dB)', format: decibels })}
${renderTradeoff(tradeoffPoints(data, 'ssim'), { title: 'SSIM', format: ssimValue })}
</div>
${lpips}
<h2>Latency</h2>
${latencyTable(data)}
<h2>Skipped steps</h2>
<p class="muted">One cell per denoising step: dark computed, light skipped (cached residuals reused), hatched part of the step's work reused (diffusers' caches).</p>
${scheduleStrip(data)}
</section>
</main>
<script type="application/json" id="teacache-data">${scriptJson(model)}</script>
${assets.scripts.map((s) => `<script>${s}</script>`).join('\n')}
</body>
</html>
`
}
