/**
 * A tiny RGBA rasteriser over a pngjs buffer: filled rectangles, anti-aliased thick lines and
 * dots, dashed gridlines and a 5×7 block font for axis labels and the empty state. Pure JS,
 * so the Functions package needs no native canvas (and mail clients get plain PNG bytes).
 */
import { PNG } from 'pngjs';

export type Rgb = readonly [number, number, number];

export function hexRgb(hex: string): Rgb {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  return [Number.parseInt(m[1]!, 16), Number.parseInt(m[2]!, 16), Number.parseInt(m[3]!, 16)];
}

export class Raster {
  readonly png: PNG;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb,
  ) {
    this.png = new PNG({ width, height, colorType: 6 });
    this.fillRect(0, 0, width, height, background);
  }

  /** Blends `rgb` over the pixel with coverage `alpha` (0..1); out-of-bounds is ignored. */
  blend(x: number, y: number, rgb: Rgb, alpha = 1): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height || alpha <= 0) return;
    const a = Math.min(1, alpha);
    const i = (y * this.width + x) * 4;
    const d = this.png.data;
    d[i] = Math.round(d[i]! * (1 - a) + rgb[0] * a);
    d[i + 1] = Math.round(d[i + 1]! * (1 - a) + rgb[1] * a);
    d[i + 2] = Math.round(d[i + 2]! * (1 - a) + rgb[2] * a);
    d[i + 3] = 255;
  }

  fillRect(x: number, y: number, w: number, h: number, rgb: Rgb): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    for (let py = y0; py < y1; py++) for (let px = x0; px < x1; px++) this.blend(px, py, rgb);
  }

  strokeRect(x: number, y: number, w: number, h: number, rgb: Rgb, t = 1): void {
    this.fillRect(x, y, w, t, rgb);
    this.fillRect(x, y + h - t, w, t, rgb);
    this.fillRect(x, y, t, h, rgb);
    this.fillRect(x + w - t, y, t, h, rgb);
  }

  /** Horizontal dashed line (gridlines: light enough not to compete with the data). */
  dashedHLine(x0: number, x1: number, y: number, rgb: Rgb, dash = 4, gap = 4): void {
    for (let x = Math.round(x0); x < x1; x += dash + gap) this.fillRect(x, y, Math.min(dash, x1 - x), 1, rgb);
  }

  /**
   * A segment of the given thickness with round caps, anti-aliased by distance to the segment
   * (one pixel of soft edge), so a trend line reads well at 1× in a mail client.
   */
  line(ax: number, ay: number, bx: number, by: number, rgb: Rgb, thickness = 2): void {
    const r = thickness / 2;
    const minX = Math.floor(Math.min(ax, bx) - r - 1);
    const maxX = Math.ceil(Math.max(ax, bx) + r + 1);
    const minY = Math.floor(Math.min(ay, by) - r - 1);
    const maxY = Math.ceil(Math.max(ay, by) + r + 1);
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy;
    for (let py = minY; py <= maxY; py++) {
      for (let px = minX; px <= maxX; px++) {
        const cx = px + 0.5;
        const cy = py + 0.5;
        const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((cx - ax) * dx + (cy - ay) * dy) / len2));
        const dist = Math.hypot(cx - (ax + t * dx), cy - (ay + t * dy));
        this.blend(px, py, rgb, r + 0.5 - dist);
      }
    }
  }

  dot(cx: number, cy: number, radius: number, rgb: Rgb): void {
    this.line(cx, cy, cx, cy, rgb, radius * 2);
  }

  /** Upper-case block text (5×7 glyphs): digits, A–Z and % - . : / (others are skipped as blanks). */
  text(x: number, y: number, s: string, rgb: Rgb, scale = 1): void {
    let cx = x;
    for (const ch of s.toUpperCase()) {
      const rows = GLYPHS[ch];
      if (rows) {
        rows.forEach((row, gy) => {
          for (let gx = 0; gx < 5; gx++) {
            if (row[gx] === '#') this.fillRect(cx + gx * scale, y + gy * scale, scale, scale, rgb);
          }
        });
      }
      cx += 6 * scale;
    }
  }

  static textWidth(s: string, scale = 1): number {
    return s.length > 0 ? (s.length * 6 - 1) * scale : 0;
  }

  toBuffer(): Buffer {
    return PNG.sync.write(this.png, { colorType: 6 });
  }
}

const GLYPHS: Record<string, readonly string[]> = {
  ' ': ['.....', '.....', '.....', '.....', '.....', '.....', '.....'],
  '0': ['.###.', '#...#', '#...#', '#...#', '#...#', '#...#', '.###.'],
  '1': ['..#..', '.##..', '..#..', '..#..', '..#..', '..#..', '.###.'],
  '2': ['.###.', '#...#', '....#', '...#.', '..#..', '.#...', '#####'],
  '3': ['####.', '....#', '....#', '.###.', '....#', '....#', '####.'],
  '4': ['...#.', '..##.', '.#.#.', '#..#.', '#####', '...#.', '...#.'],
  '5': ['#####', '#....', '####.', '....#', '....#', '#...#', '.###.'],
  '6': ['..##.', '.#...', '#....', '####.', '#...#', '#...#', '.###.'],
  '7': ['#####', '....#', '...#.', '..#..', '.#...', '.#...', '.#...'],
  '8': ['.###.', '#...#', '#...#', '.###.', '#...#', '#...#', '.###.'],
  '9': ['.###.', '#...#', '#...#', '.####', '....#', '...#.', '.##..'],
  '%': ['##..#', '##..#', '...#.', '..#..', '.#...', '#..##', '#..##'],
  '-': ['.....', '.....', '.....', '.###.', '.....', '.....', '.....'],
  '.': ['.....', '.....', '.....', '.....', '.....', '.##..', '.##..'],
  ':': ['.....', '.##..', '.##..', '.....', '.##..', '.##..', '.....'],
  '/': ['....#', '....#', '...#.', '..#..', '.#...', '#....', '#....'],
  A: ['.###.', '#...#', '#...#', '#####', '#...#', '#...#', '#...#'],
  B: ['####.', '#...#', '#...#', '####.', '#...#', '#...#', '####.'],
  C: ['.###.', '#...#', '#....', '#....', '#....', '#...#', '.###.'],
  D: ['####.', '#...#', '#...#', '#...#', '#...#', '#...#', '####.'],
  E: ['#####', '#....', '#....', '####.', '#....', '#....', '#####'],
  F: ['#####', '#....', '#....', '####.', '#....', '#....', '#....'],
  G: ['.###.', '#...#', '#....', '#.###', '#...#', '#...#', '.####'],
  H: ['#...#', '#...#', '#...#', '#####', '#...#', '#...#', '#...#'],
  I: ['.###.', '..#..', '..#..', '..#..', '..#..', '..#..', '.###.'],
  J: ['..###', '...#.', '...#.', '...#.', '...#.', '#..#.', '.##..'],
  K: ['#...#', '#..#.', '#.#..', '##...', '#.#..', '#..#.', '#...#'],
  L: ['#....', '#....', '#....', '#....', '#....', '#....', '#####'],
  M: ['#...#', '##.##', '#.#.#', '#.#.#', '#...#', '#...#', '#...#'],
  N: ['#...#', '##..#', '#.#.#', '#..##', '#...#', '#...#', '#...#'],
  O: ['.###.', '#...#', '#...#', '#...#', '#...#', '#...#', '.###.'],
  P: ['####.', '#...#', '#...#', '####.', '#....', '#....', '#....'],
  Q: ['.###.', '#...#', '#...#', '#...#', '#.#.#', '#..#.', '.##.#'],
  R: ['####.', '#...#', '#...#', '####.', '#.#..', '#..#.', '#...#'],
  S: ['.####', '#....', '#....', '.###.', '....#', '....#', '####.'],
  T: ['#####', '..#..', '..#..', '..#..', '..#..', '..#..', '..#..'],
  U: ['#...#', '#...#', '#...#', '#...#', '#...#', '#...#', '.###.'],
  V: ['#...#', '#...#', '#...#', '#...#', '#...#', '.#.#.', '..#..'],
  W: ['#...#', '#...#', '#...#', '#.#.#', '#.#.#', '#.#.#', '.#.#.'],
  X: ['#...#', '#...#', '.#.#.', '..#..', '.#.#.', '#...#', '#...#'],
  Y: ['#...#', '#...#', '.#.#.', '..#..', '..#..', '..#..', '..#..'],
  Z: ['#####', '....#', '...#.', '..#..', '.#...', '#....', '#####'],
};
