/**
 * PNG from the chart's SVG with @resvg/resvg-js (an optionalDependency: prebuilt binaries inside
 * npm packages, no browser, no download at install time). Where it isn't installed the report
 * has the SVG alone.
 */
export async function svgToPng(svg: string, scale = 1.5): Promise<Uint8Array | null> {
  let resvg: typeof import('@resvg/resvg-js');
  try {
    resvg = await import('@resvg/resvg-js');
  } catch {
    // Broad on purpose: not installed and installed without a native build for this platform
    // fail in several ways, and each means the same thing: no renderer, the SVG alone.
    return null;
  }
  const renderer = new resvg.Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  return renderer.render().asPng();
}
