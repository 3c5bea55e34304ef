// Packs files into a zip (for generated deliveries and exports).
import fs from 'node:fs'
import yazl from 'yazl'

export async function zipFiles(target: string, files: Array<{ path: string; name: string }>): Promise<void> {
  const zip = new yazl.ZipFile()
  for (const f of files) zip.addFile(f.path, f.name)
  zip.end()
  await new Promise<void>((resolve, reject) => {
    const out = fs.createWriteStream(target)
    zip.outputStream
      .pipe(out)
      .on('close', () => resolve())
      .on('error', reject)
  })
}
