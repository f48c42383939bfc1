'use strict';
// Measures how fast one process can push 64 KiB writes to another over a plain TCP socket on 127.0.0.1, with no
// gRPC, HTTP/2 or TLS on the way. It is the ceiling for the 64 KiB streaming scenario on the same machine:
//   node bench/tools/loopback-ceiling.js [seconds]
const { fork } = require('child_process');
const net = require('net');

const MESSAGE_BYTES = 64 * 1024;

if (process.argv[2] === '--reader') {
  // The reader counts bytes until the writer closes, then reports them.
  const server = net.createServer((socket) => {
    let bytes = 0;
    socket.on('data', (chunk) => {
      bytes += chunk.length;
    });
    socket.on('end', () => {
      process.send({ bytes });
      server.close();
    });
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
} else {
  const seconds = Number(process.argv[2] ?? 4);
  if (!(seconds > 0)) {
    console.error(`loopback-ceiling: the duration must be a positive number of seconds, got "${process.argv[2]}"`);
    process.exit(2);
  }
  const reader = fork(__filename, ['--reader']);
  reader.once('message', ({ port }) => {
    const socket = net.connect(port, '127.0.0.1');
    const message = Buffer.alloc(MESSAGE_BYTES, 1);
    const started = process.hrtime.bigint();
    const stopAt = Date.now() + seconds * 1000;

    // Writes until the kernel buffer is full, then waits for it to drain, as a gRPC stream waits on flow control.
    const writeUntilFull = () => {
      while (Date.now() < stopAt) {
        if (!socket.write(message)) {
          socket.once('drain', writeUntilFull);
          return;
        }
      }
      socket.end();
    };
    socket.on('connect', writeUntilFull);

    reader.once('message', ({ bytes }) => {
      const elapsedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      const megabytesPerSecond = bytes / 1e6 / elapsedSeconds;
      console.log(`${megabytesPerSecond.toFixed(1)} MB/s over ${elapsedSeconds.toFixed(1)} s ` +
        `(${(bytes / MESSAGE_BYTES).toFixed(0)} writes of 64 KiB, Node.js ${process.version})`);
    });
  });
}
