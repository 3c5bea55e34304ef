// A text a user reads, in English (the API, logs, the command line) and Chinese (the console):
// readers and checks far below the import (zip, .shp, .dbf, .prj) say both where they find the fault.

export interface Said {
  message: string
  messageZh: string
}

/** An error whose text is written for the user in both languages. */
export class BilingualError extends Error {
  constructor(
    message: string,
    readonly messageZh: string,
  ) {
    super(message)
  }
}
