import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.ts';
import { writeFile } from '../output-file.ts';
import { svgToPng } from './chart-png.ts';

export interface WrittenChart {
  svg: string;
  png: string | null;
}

/** Writes FILE.svg and, where the renderer is installed, FILE.png beside it. */
export async function writeChart(svgPath: string, svg: string): Promise<WrittenChart> {
  try {
    fs.mkdirSync(path.dirname(path.resolve(svgPath)), { recursive: true });
  } catch (error) {
    throw new UserError(`cannot write the chart ${svgPath}: ${(error as Error).message} (choose another place with --chart FILE.svg)`);
  }
  writeFile(svgPath, svg);
  const png = await svgToPng(svg);
  if (!png) return { svg: svgPath, png: null };
  const pngPath = `${svgPath.replace(/\.svg$/i, '')}.png`;
  writeFile(pngPath, png);
  return { svg: svgPath, png: pngPath };
}
