// Opening pipelines the way a user does: through the File menu's import, with a file the browser picks.
import type { Page } from 'playwright-core';

export async function importPipelineFile(page: Page, name: string, text: string): Promise<void> {
  await page.getByRole('button', { name: 'File menu' }).click();
  await page.getByLabel('Import pipeline file').setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(text) });
}
