// Vant's icon CSS carries its icon font inline (about 34 KB of base64), so every screen's
// render-blocking stylesheet grew by the whole font. This plugin writes the font out once as
// a file and points the @font-face at it: Vite then emits it as a hashed asset, fetched in
// parallel only when an icon is drawn, and the first paint waits for the small CSS alone.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = dirname(fileURLToPath(import.meta.url))
const OUT = join(ROOT, 'node_modules', '.mgov', 'vant-icon.woff2')
const ICON_CSS = /[\\/]vant[\\/]es[\\/]icon[\\/]index\.css$/
const INLINE_SRC = /src:url\(data:font\/woff2;charset=utf-8;base64,([A-Za-z0-9+/=]+)\) format\("woff2"\)(,url\([^)]*\) format\("woff"\))?/

export function vantIconFontFile() {
  return {
    name: 'mgov-vant-icon-font-file',
    enforce: 'pre',
    transform(code, id) {
      if (!ICON_CSS.test(id.split('?')[0])) return null
      const match = INLINE_SRC.exec(code)
      if (!match) this.error('vant-icon-font: the icon CSS no longer inlines its woff2 font; check this plugin against the Vant version')
      mkdirSync(dirname(OUT), { recursive: true })
      writeFileSync(OUT, Buffer.from(match[1], 'base64'))
      const url = relative(dirname(id.split('?')[0]), OUT).split('\\').join('/')
      // `block`: an icon stays invisible for the moment its font loads rather than showing a
      // box (the glyphs are private-use characters no other font has).
      return { code: code.replace(INLINE_SRC, `src:url("${url}") format("woff2")`).replace('font-display:auto', 'font-display:block'), map: null }
    },
  }
}
