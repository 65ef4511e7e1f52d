// REPORT.html, in the browser: a run's PNG frames as images, loaded once and dropped when far from
// the frame on screen (a full-size video does not fit in memory whole). Defines window.teacacheFrames.
'use strict'
window.teacacheFrames = (() => {
  /** src -> Promise<HTMLImageElement> */
  const images = new Map()

  function frameSrc(run, i) {
    const name = `frame_${String(i).padStart(5, '0')}.png`
    return `${run.frames.split('/').map(encodeURIComponent).join('/')}/${name}`
  }

  function load(src) {
    if (!images.has(src)) {
      const image = new Image()
      const ready = new Promise((resolve, reject) => {
        image.onload = () => resolve(image)
        image.onerror = () => reject(new Error(`could not load ${src}`))
      })
      ready.catch(() => {})
      image.src = src
      images.set(src, ready)
    }
    return images.get(src)
  }

  function forget(keep) {
    for (const src of images.keys()) if (!keep.has(src)) images.delete(src)
  }

  function pixels(image, width, height) {
    const canvas = document.createElement('canvas')
    canvas.width = width
    canvas.height = height
    const ctx = canvas.getContext('2d', { willReadFrequently: true })
    ctx.drawImage(image, 0, 0)
    return ctx.getImageData(0, 0, width, height)
  }

  return { frameSrc, load, forget, pixels }
})()
