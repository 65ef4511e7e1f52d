/** A decoded video frame: 8-bit RGB, row-major, no padding. */
export interface Frame {
  width: number
  height: number
  rgb: Uint8Array
}
