import { parseCpuTicks, parseVmRssBytes } from './proc-status.js';
import { parseProcNetTcp } from './stalled-clients.js';

describe('parseProcNetTcp', () => {
  it('reads ports, state and owner of each row', () => {
    const text = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1388 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 160154 1 0000000000000000 100 0 0 10 0',
      '   1: 0100007F:1388 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 170001 1 0000000000000000 20 4 30 10 -1',
      '   2: 0100007F:1388 0100007F:D432 04 00000000:00000000 01:00000014 00000000     0        0 0 3 0000000000000000 20 4 30 10 -1',
      '',
    ].join('\n');
    expect(parseProcNetTcp(text)).toEqual([
      { localPort: 5000, remotePort: 0, state: '0A', inode: 160154 },
      { localPort: 5000, remotePort: 54321, state: '01', inode: 170001 },
      { localPort: 5000, remotePort: 54322, state: '04', inode: 0 },
    ]);
  });
});

describe('/proc/PID readings', () => {
  it('takes utime + stime from a stat line whose command has spaces and parentheses', () => {
    const stat =
      '4242 (node (main) x) S 1 4242 4242 0 -1 4194560 3043 0 0 0 250 37 0 0 20 0 11 0 123 1 2 3';
    expect(parseCpuTicks(stat)).toBe(287);
  });

  it('reads VmRSS in bytes', () => {
    expect(parseVmRssBytes('Name:\tnode\nVmRSS:\t  123456 kB\n')).toBe(
      123456 * 1024,
    );
  });
});
