/**
 * The dashboard's modules, loaded when a terminal wants them (a headless run needs no React).
 * React picks its build from NODE_ENV the moment it loads, and its development build renders at
 * half the speed and keeps a performance entry per render (facebook/react#35761), which over a
 * night is a leak: so the production build unless NODE_ENV says otherwise. A static import
 * could not do this: Node runs CommonJS dependencies such as React before any ES module body.
 */
export async function loadDashboard(): Promise<typeof import('./mount.tsx')> {
  process.env.NODE_ENV ??= 'production';
  return import('./mount.tsx');
}
