// Reading a secret without it ever being an argument of a process (arguments are world-readable in
// /proc/<pid>/cmdline and `ps`): from stdin when piped (`--password-stdin`), or typed at a prompt that
// does not echo.

/** All of stdin, without the one line break a shell `echo` or here-string adds. */
export async function readStdinSecret(input: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Asks on the terminal with echo off; Ctrl-C or Ctrl-D abandons. */
export function promptSecret(question: string, input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): Promise<string> {
  return new Promise((resolve, reject) => {
    output.write(question);
    let typed = '';
    const wasRaw = input.isRaw;
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    const finish = (error?: Error): void => {
      input.off('data', onData);
      input.setRawMode(wasRaw);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (text: string): void => {
      for (const c of text) {
        if (c === '\r' || c === '\n') return finish();
        if (c === '\u0003' || c === '\u0004') return finish(new Error('cancelled'));
        if (c === '\u007f' || c === '\b') typed = typed.slice(0, -1);
        else typed += c;
      }
    };
    input.on('data', onData);
  });
}
