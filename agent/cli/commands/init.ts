import { z } from 'zod';
import { initSandbox } from '../../init/init-sandbox.ts';
import { parseCommand } from '../args.ts';

const USAGE = `usage: nightshift init DIR [--template tfjs|torch]

Writes a new sandbox into DIR (new or empty): tfjs is the default TensorFlow.js transformer,
torch the same model, protocol and markers in PyTorch (train.py) for GPU machines.`;

const spec = {
  name: 'init',
  usage: USAGE,
  allowPositionals: true,
  options: { template: { type: 'string' } },
  schema: z.object({
    template: z.enum(['tfjs', 'torch'], { message: '--template must be tfjs or torch' }).default('tfjs'),
    positionals: z.tuple([z.string().min(1)], { message: 'init needs exactly one folder' }),
  }),
} as const;

export async function initCommand(argv: string[]): Promise<number> {
  const flags = parseCommand(spec, argv);
  if (flags === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [dir] = flags.positionals;
  const files = await initSandbox(dir, flags.template);
  process.stdout.write(`wrote a ${flags.template} sandbox to ${dir} (${files.length} files); run it with: nightshift run --sandbox ${dir}\n`);
  return 0;
}
