#!/usr/bin/env node
// The installed binary: loads the TypeScript entry point through tsx's loader.
import { register } from 'tsx/esm/api';

register();
await import('../agent/cli/main.ts');
