// QR codes of links, as SVG data URLs for an <img>: the CSP allows data: images but no inline
// markup or styles, and we never inject HTML.
//
// Rendered with `uqr`, not `qrcode`: qrcode's CommonJS modules assign `exports.toString`, which
// throws at startup under Tauri's `freezePrototype` (Object.prototype is frozen, so that
// assignment hits the read-only Object.prototype.toString in strict-mode bundled code).
import { renderSVG } from 'uqr';

/** A `data:image/svg+xml` URL of the QR code of `text`, or null when it does not fit in one. */
export function qrDataUrl(text: string): string | null {
  let svg: string;
  try {
    svg = renderSVG(text, { ecc: 'L', border: 2, pixelSize: 4 });
  } catch {
    return null;
  }
  svg = svg.replace('<svg ', '<svg shape-rendering="crispEdges" ');
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}
