// REPORT.html, in the browser: the baseline and every variant of one prompt x seed on canvases,
// drawn from the lossless PNG frames (exact pixels, unlike an H.264 decode), all from one clock:
// play, pause, seek, step, speed, a baseline toggle and an amplified difference view.
'use strict'
;(() => {
  const model = JSON.parse(document.getElementById('teacache-data').textContent)
  const $ = (id) => document.getElementById(id)
  const state = { group: 0, frame: 0, playing: false, speed: 1, view: 'frames', gain: 8, baseline: false }
  let tiles = []
  let setCursor = () => {}
  let renders = 0
  let busy = false

  const group = () => model.groups[state.group]
  const shown = () => group().runs
  const reference = () => shown().find((run) => run.reference && run.frames) || null
  const count = () => Math.max(1, ...shown().filter((run) => run.frames).map((run) => run.count))

  const { frameSrc, load, forget, pixels } = window.teacacheFrames

  /** One line per source (the view, the series), shown while any has something to say. */
  const notes = { view: '', series: '' }
  function note(text, source = 'view') {
    notes[source] = text || ''
    const el = $('view-note')
    el.textContent = Object.values(notes).filter(Boolean).join(' ')
    el.hidden = !el.textContent
  }

  /** Draws `frame` on every tile at once, after every image it needs has loaded; a newer call wins. */
  async function render(frame) {
    const token = ++renders
    const ref = reference()
    const plans = tiles.map((tile) => {
      const { run } = tile
      if (!run.frames) return { tile, kind: 'none' }
      const i = Math.min(frame, run.count - 1)
      const asBaseline = state.baseline && ref && !run.reference
      if (asBaseline) return { tile, kind: 'image', src: frameSrc(ref, Math.min(frame, ref.count - 1)), i }
      if (state.view === 'difference' && ref && !run.reference) return { tile, kind: 'difference', src: frameSrc(run, i), against: frameSrc(ref, Math.min(frame, ref.count - 1)), i }
      return { tile, kind: 'image', src: frameSrc(run, i), i }
    })
    const wanted = new Set(plans.flatMap((p) => [p.src, p.against]).filter(Boolean))
    let loaded
    try {
      loaded = new Map(await Promise.all([...wanted].map(async (src) => [src, await load(src)])))
    } catch (error) {
      if (token === renders) note(String(error.message || error))
      return false
    }
    if (token !== renders) return false
    let blocked = false
    for (const plan of plans) {
      const { tile } = plan
      if (plan.kind === 'none') continue
      const ctx = tile.canvas.getContext('2d')
      if (plan.kind === 'image') {
        ctx.drawImage(loaded.get(plan.src), 0, 0)
      } else {
        try {
          const a = pixels(loaded.get(plan.src), tile.canvas.width, tile.canvas.height)
          const b = pixels(loaded.get(plan.against), tile.canvas.width, tile.canvas.height)
          const out = ctx.createImageData(a.width, a.height)
          for (let k = 0; k < a.data.length; k += 4) {
            for (let c = 0; c < 3; c++) out.data[k + c] = Math.min(255, Math.abs(a.data[k + c] - b.data[k + c]) * state.gain)
            out.data[k + 3] = 255
          }
          ctx.putImageData(out, 0, 0)
        } catch {
          blocked = true
          ctx.drawImage(loaded.get(plan.src), 0, 0)
        }
      }
      tile.root.dataset.frame = String(plan.i)
      tile.root.dataset.showing = plan.kind === 'image' && state.baseline && !tile.run.reference ? 'baseline' : plan.kind
      tile.root.dataset.drawn = String(frame)
    }
    note(blocked ? 'The difference view reads pixels, which browsers refuse to pages opened from disk: serve the sweep folder (for example, run `python3 -m http.server` inside it) and open REPORT.html through that server, on port 8000.' : '')
    for (const tile of tiles) tile.seek.value = String(frame)
    $('seek').value = String(frame)
    $('position').textContent = `frame ${frame + 1} / ${count()}`
    setCursor(frame)
    document.body.dataset.frame = String(frame)
    // Keep the frames around this one; prefetch the next ones while playing.
    const keep = new Set(wanted)
    for (let d = 1; d <= 8; d++) {
      const next = (frame + d) % count()
      for (const run of shown()) if (run.frames) keep.add(frameSrc(run, Math.min(next, run.count - 1)))
    }
    forget(keep)
    if (state.playing) for (const src of keep) load(src)
    return true
  }

  async function seek(frame) {
    state.frame = Math.max(0, Math.min(count() - 1, frame))
    busy = true
    try {
      await render(state.frame)
    } finally {
      busy = false
    }
  }

  let last = 0
  function tick(now) {
    if (!state.playing) return
    // One clock for every tile: a frame still loading holds them all (a stall, never a drift).
    if (!busy && now - last >= 1000 / (model.fps * state.speed)) {
      last = now
      seek((state.frame + 1) % count())
    }
    requestAnimationFrame(tick)
  }

  function setPlaying(playing) {
    state.playing = playing
    $('play').textContent = playing ? '‖ pause' : '▶ play'
    document.body.dataset.playing = String(playing)
    if (playing) requestAnimationFrame(tick)
  }

  function tile(run) {
    const root = document.createElement('figure')
    root.className = 'tile'
    root.dataset.run = run.id
    const caption = document.createElement('figcaption')
    const name = document.createElement('strong')
    name.textContent = run.label
    caption.appendChild(name)
    if (run.measured) {
      const q = document.createElement('span')
      q.className = 'quality'
      q.textContent = ` PSNR ${run.psnr === null ? '∞' : run.psnr.toFixed(2)} dB · SSIM ${run.ssim.toFixed(4)}${run.flicker === null ? '' : ` · flicker ${run.flicker.toFixed(3)}`}`
      caption.appendChild(q)
    }
    root.appendChild(caption)
    const canvas = document.createElement('canvas')
    canvas.width = run.width || 1
    canvas.height = run.height || 1
    const seekInput = document.createElement('input')
    seekInput.type = 'range'
    seekInput.className = 'seek'
    seekInput.min = '0'
    seekInput.max = String(Math.max(0, count() - 1))
    seekInput.value = String(state.frame)
    seekInput.setAttribute('aria-label', `frame of ${run.label}`)
    seekInput.addEventListener('input', () => seek(Number(seekInput.value)))
    if (run.frames) {
      root.appendChild(canvas)
      root.appendChild(seekInput)
    } else {
      const p = document.createElement('p')
      p.className = 'muted'
      p.textContent = `${run.status}${run.note ? `: ${run.note}` : ''}`
      root.appendChild(p)
    }
    if (run.schedule) {
      const strip = document.createElement('div')
      strip.className = 'strip'
      strip.title = 'denoising steps: dark computed, light skipped'
      for (const computed of run.schedule) {
        const cell = document.createElement('span')
        cell.className = `step ${computed === '1' ? 'on' : 'off'}`
        strip.appendChild(cell)
      }
      root.appendChild(strip)
    }
    return { run, root, canvas, seek: seekInput }
  }

  function showGroup(index) {
    state.group = index
    const g = group()
    $('prompt').textContent = `${g.title}: ${g.prompt}`
    tiles = g.runs.map(tile)
    $('tiles').replaceChildren(...tiles.map((t) => t.root))
    $('seek').max = String(count() - 1)
    forget(new Set())
    note('', 'series')
    return Promise.all(g.runs.map(loadSeries)).then(() => {
      if (state.group !== index) return
      const measured = g.runs.filter((run) => run.series && !run.reference)
      setCursor = window.teacacheCurves.draw($('curves'), measured, count(), (frame) => seek(frame))
      return seek(Math.min(state.frame, count() - 1))
    })
  }

  /** A large sweep's page holds only the first groups' series: the others come from their quality.json. */
  async function loadSeries(run) {
    if (run.series || !run.quality) return
    try {
      const response = await fetch(run.quality.split('/').map(encodeURIComponent).join('/'))
      if (!response.ok) throw new Error(`HTTP ${response.status}`)
      const f = (await response.json()).per_frame
      run.series = { psnr: f.psnr, ssim: f.ssim, flicker: f.flicker }
    } catch (error) {
      note(`The per-frame curves of this prompt and seed are in ${run.quality}, which the page could not read (${error.message}): serve the sweep folder, for example with \`python3 -m http.server\` inside it.`, 'series')
    }
  }

  const select = $('group')
  model.groups.forEach((g, i) => {
    const option = document.createElement('option')
    option.value = String(i)
    option.textContent = `${g.title}: ${g.prompt.length > 60 ? `${g.prompt.slice(0, 57)}...` : g.prompt}`
    select.appendChild(option)
  })
  select.addEventListener('change', () => showGroup(Number(select.value)))
  $('play').addEventListener('click', () => setPlaying(!state.playing))
  $('back').addEventListener('click', () => { setPlaying(false); seek(state.frame - 1) })
  $('forward').addEventListener('click', () => { setPlaying(false); seek(state.frame + 1) })
  $('seek').addEventListener('input', () => seek(Number($('seek').value)))
  $('speed').addEventListener('change', () => { state.speed = Number($('speed').value) })
  $('view').addEventListener('change', () => { state.view = $('view').value; seek(state.frame) })
  $('gain').addEventListener('input', () => {
    state.gain = Number($('gain').value)
    $('gain-value').textContent = `${state.gain}x`
    if (state.view === 'difference') seek(state.frame)
  })
  $('baseline').addEventListener('change', () => { state.baseline = $('baseline').checked; seek(state.frame) })
  document.addEventListener('keydown', (event) => {
    if (event.target instanceof HTMLSelectElement || event.target instanceof HTMLInputElement && event.target.type !== 'range' && event.target.type !== 'checkbox') return
    if (event.key === ' ') { event.preventDefault(); setPlaying(!state.playing) }
    else if (event.key === 'ArrowLeft') { event.preventDefault(); setPlaying(false); seek(state.frame - 1) }
    else if (event.key === 'ArrowRight') { event.preventDefault(); setPlaying(false); seek(state.frame + 1) }
    else if (event.key === 'b') { $('baseline').checked = !$('baseline').checked; state.baseline = $('baseline').checked; seek(state.frame) }
  })
  if (model.groups.length === 0) $('viewer').hidden = true
  else showGroup(0).then(() => { document.body.dataset.ready = 'true' })
})()
